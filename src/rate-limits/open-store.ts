/**
 * The counter store `rateLimits` names: memory (the default), or Redis at `rateLimits.redis.url`
 * (a secret reference: file, env variable or inline; relative files resolve against the config
 * file's directory). Opened once per process: a reload that changes the store applies at the
 * next restart.
 */
import type { Logger } from 'pino';
import { resolveSecretRef } from '../access/secret-ref.js';
import type { Config } from '../config/schema.js';
import type { CounterStore } from './counter-store.js';
import { MemoryCounterStore } from './memory-store.js';
import { RedisCounterStore } from './redis-store.js';

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
  return new RedisCounterStore({
    url,
    keyPrefix: rl.redis.keyPrefix,
    ...(password !== undefined ? { password } : {}),
    tls: rl.redis.tls,
    timeoutMs: rl.timeoutMs,
    logger: sources.logger.child({ component: 'rate-limits' }),
  });
}
