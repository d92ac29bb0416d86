/**
 * Opens the process's response cache for a config: the store it names (memory, or Redis with its
 * secrets resolved), the counters on the injected meter. Called once per process, the first time
 * a config caches some rule; the store and its size stay until the process restarts.
 */
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { SecretSources } from '../access/secret-ref.js';
import type { CacheConfig } from '../config/cache-schema.js';
import type { Config } from '../config/schema.js';
import { CacheMetrics } from './cache-metrics.js';
import { MemoryStore } from './memory-store.js';
import { openRedisStore } from './redis-store.js';
import { ResponseCache } from './response-cache.js';

/** True when `config` caches some rule's responses. */
export function cachesAnything(config: Pick<Config, 'rules' | 'cache'>): boolean {
  return config.rules.some((r) => r.cache?.enabled ?? config.cache.enabled);
}

/** What opening the cache needs. */
export interface OpenCacheDeps {
  readonly meter: Meter;
  readonly logger: Logger;
  readonly secrets: SecretSources;
}

/** The settings a running cache cannot change (they apply at the next restart). */
export function storeSettings(c: CacheConfig): string {
  return JSON.stringify([c.store, c.maxBytes, c.redis.url, c.redis.keyPrefix, c.redis.tls]);
}

/** Opens the cache `cfg` describes. Throws when the Redis URL or password cannot be read. */
export async function openResponseCache(cfg: CacheConfig, deps: OpenCacheDeps): Promise<ResponseCache> {
  const metrics = new CacheMetrics(deps.meter);
  const logger = deps.logger.child({ component: 'cache' });
  let errorLogged = false;
  const store =
    cfg.store === 'redis'
      ? await openRedisStore(cfg.redis, {
          secrets: deps.secrets,
          onError: (err) => {
            // The client reconnects by itself; lookups meanwhile are misses, counted and logged once by the cache.
            if (errorLogged) return;
            errorLogged = true;
            logger.warn({ err }, 'response cache: Redis connection error (reconnecting)');
          },
        })
      : new MemoryStore({ maxBytes: cfg.maxBytes, onEvict: () => metrics.evicted() });
  return new ResponseCache({ store, metrics, logger });
}
