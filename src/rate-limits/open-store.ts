/**
 * The counter store `rateLimits` names: memory (the default), or Redis at `rateLimits.redis.url`
 * (a secret reference: file, env variable or inline; relative files resolve against the config
 * file's directory), leased (src/rate-limits/leased-store.ts) unless `rateLimits.redis.lease`
 * is false. Opened once per process: a reload that changes the store applies at the
 * next restart.
 */
import type { Logger } from 'pino';
import { resolveSecretRef } from '../access/secret-ref.js';
import type { Config } from '../config/schema.js';
import type { CounterStore } from './counter-store.js';
import { MemoryCounterStore } from './memory-store.js';
import { LeasedCounterStore } from './leased-store.js';
import { RedisCounterStore, type RedisSpend } from './redis-store.js';

/** Where secrets come from. */
export interface CounterStoreSources {
  readonly baseDir: string;
  readonly readEnv?: (name: string) => string | undefined;
  readonly logger: Logger;
}

/** Opens the store of `config`; throws when a Redis URL is configured but cannot be read. */
export async function openCounterStore(config: Config, sources: CounterStoreSources): Promise<CounterStore> {
  const rl = config.rateLimits;
  if (rl.store === 'memory' || !rl.redis) return new MemoryCounterStore();
  const secrets = { baseDir: sources.baseDir, ...(sources.readEnv ? { readEnv: sources.readEnv } : {}) };
  const url = await resolveSecretRef(rl.redis.url, secrets);
  if (!url) throw new Error('rateLimits.redis.url is configured but empty or unreadable');
  const password = rl.redis.password ? await resolveSecretRef(rl.redis.password, secrets) : undefined;
  const logger = sources.logger.child({ component: 'rate-limits' });
  const redis = new RedisCounterStore({
    url,
    keyPrefix: rl.redis.keyPrefix,
    ...(password !== undefined ? { password } : {}),
    tls: rl.redis.tls,
    timeoutMs: rl.timeoutMs,
    logger,
  });
  const lease = rl.redis.lease;
  if (lease === false || lease.fraction === 0) return redis;
  return new LeasedCounterStore(redis, { fraction: lease.fraction, syncMs: rl.redis.syncMs, staleMs: 3 * rl.redis.syncMs + rl.timeoutMs, logger });
}

/** Budget spend on the store's Redis, when its counters are there. */
export function sharedSpendOf(store: CounterStore): RedisSpend | undefined {
  return store instanceof RedisCounterStore || store instanceof LeasedCounterStore ? store.spend : undefined;
}
