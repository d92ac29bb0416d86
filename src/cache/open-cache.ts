/**
 * Opens a response cache for a config: the store it names (memory, Redis with its secrets
 * resolved, or a store module), over the process's cache counters. {@link storeIdentity} says
 * when a reloaded config asks for another store.
 */
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { SecretSources } from '../access/secret-ref.js';
import type { CacheConfig } from '../config/cache-schema.js';
import type { Config } from '../config/schema.js';
import { describeModule } from '../modules/module-details.js';
import type { CacheMetrics } from './cache-metrics.js';
import { MemoryStore } from './memory-store.js';
import { openRedisStore } from './redis-store.js';
import { ResponseCache } from './response-cache.js';
import type { ResponseStore } from './response-store.js';
import { loadStoreModule } from './store-module.js';

/** True when `config` caches some rule's responses. */
export function cachesAnything(config: Pick<Config, 'rules' | 'cache'>): boolean {
  return config.rules.some((r) => r.cache?.enabled ?? config.cache.enabled);
}

/** What opening the cache needs. */
export interface OpenCacheDeps {
  /** The process's cache counters (shared by every cache it opens). */
  readonly metrics: CacheMetrics;
  readonly meter: Meter;
  readonly logger: Logger;
  /** Where `{ env }` and `{ filename }` secrets, `tls.caFile` and a store module's relative path resolve (the config file's directory). */
  readonly secrets: SecretSources;
  /** Appended to a store module's file URL so that opening again imports a changed file afresh. */
  readonly cacheBust?: string;
  /** The config's YAML text, for the line of a bad store option. */
  readonly configText?: string;
}

/**
 * What makes the store `c` names: equal for two configs whose stores are the same (so a reload
 * keeps the store), different when the store, its settings, a module's options, or the module's
 * file (modification time) or package version changed.
 */
export async function storeIdentity(c: CacheConfig, baseDir: string): Promise<string> {
  if (c.store === 'memory') return JSON.stringify(['memory', c.maxBytes]);
  if (c.store === 'redis') return JSON.stringify(['redis', c.redis]);
  return JSON.stringify(['module', c.store.module, c.store.options, await describeModule(c.store.module, baseDir)]);
}

/** Opens the store `cfg` names. Throws when the Redis URL or password cannot be read, or the store module cannot be loaded. */
async function openStore(cfg: CacheConfig, deps: OpenCacheDeps, logger: Logger): Promise<ResponseStore> {
  if (cfg.store === 'memory') return new MemoryStore({ maxBytes: cfg.maxBytes, onEvict: () => deps.metrics.evicted() });
  if (cfg.store === 'redis') {
    let errorLogged = false;
    return openRedisStore(cfg.redis, {
      secrets: deps.secrets,
      onError: (err) => {
        // The client reconnects by itself; lookups meanwhile are misses, counted and logged once by the cache.
        if (errorLogged) return;
        errorLogged = true;
        logger.warn({ err }, 'response cache: Redis connection error (reconnecting)');
      },
    });
  }
  return loadStoreModule(cfg.store, {
    baseDir: deps.secrets.baseDir,
    logger,
    meter: deps.meter,
    ...(deps.cacheBust !== undefined ? { cacheBust: deps.cacheBust } : {}),
    ...(deps.configText !== undefined ? { configText: deps.configText } : {}),
  });
}

/** Opens the cache `cfg` describes. Throws when its store cannot be opened (see {@link openStore}). */
export async function openResponseCache(cfg: CacheConfig, deps: OpenCacheDeps): Promise<ResponseCache> {
  const logger = deps.logger.child({ component: 'cache' });
  const store = await openStore(cfg, deps, logger);
  return new ResponseCache({ store, metrics: deps.metrics, logger });
}
