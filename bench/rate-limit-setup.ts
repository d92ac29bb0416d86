/**
 * What the rate-limit bench's variants share: the config (the embedded default with gateway
 * keys required, plus two limits in the limited variants), one gateway key every presented
 * secret resolves to, and the counter store of each variant. The baseline differs from the
 * limited variants only in the `rateLimits` section.
 */
import type { Logger } from 'pino';
import type { KeyLookup } from '../src/access/key-lookup.js';
import { EMBEDDED_DEFAULT_YAML } from '../src/config/embedded-default.js';
import { parseConfig, type LoadedConfig } from '../src/config/load.js';
import type { CounterStore } from '../src/rate-limits/counter-store.js';
import { LeasedCounterStore } from '../src/rate-limits/leased-store.js';
import { MemoryCounterStore } from '../src/rate-limits/memory-store.js';
import { RedisCounterStore } from '../src/rate-limits/redis-store.js';
import { gatewayKey } from '../test/support/fake-keys.js';

/**
 * The variants: no limits (the baseline), limits with counters in memory, in Redis with one
 * round trip per request (`lease: false`), and in Redis with leases (the default store).
 */
export const RATE_LIMIT_VARIANTS = ['off', 'memory', 'redis', 'redis-lease'] as const;

/** One variant. */
export type RateLimitVariant = (typeof RATE_LIMIT_VARIANTS)[number];

/** Row labels of the variants. */
export const VARIANT_LABELS: Record<RateLimitVariant, string> = { off: 'no limits', memory: 'limits, memory', redis: 'limits, Redis exact', 'redis-lease': 'limits, Redis leased' };

/** Redis the bench uses: `LLM_EXTPROC_BENCH_REDIS_URL`, else loopback. */
export function benchRedisUrl(): string {
  return process.env['LLM_EXTPROC_BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
}

/** The requests-per-minute limit: never reached by the bench. */
const RPM = 100_000_000;

/**
 * Requests per lease in the leased variant: the lease of a 10,000 RPM limit at the default
 * fraction (0.01), so the bench pays a round trip per 100 requests as such a limit would.
 */
export const BENCH_LEASE = 100;

/** Two limits that never refuse: requests per key, tokens per project (the response's usage is charged). */
const LIMITS = `
rateLimits:
  limits:
    - { name: per-key, per: [key], requestsPerMinute: ${RPM} }
    - { name: per-project, per: [project], tokensPerMinute: 1000000000000 }
`;

/** The config of `variant`: the embedded default, gateway keys required, and the limits unless `off`. */
export function rateLimitBenchConfig(variant: RateLimitVariant): LoadedConfig {
  return parseConfig(`${EMBEDDED_DEFAULT_YAML}\nauth: { enabled: true }\n${variant === 'off' ? '' : LIMITS}`, `rate-limit bench (${variant})`);
}

const KEY = gatewayKey({ id: 'aaaaaaaaaaaaaaaa', project: 'bench', name: 'bench' });

/** A key store in which every secret is the one bench key (the same lookup in every variant). */
export const BENCH_KEYS: KeyLookup = { find: async () => KEY, countRequest: () => undefined };

/** The counter store of `variant` (a fresh key prefix per process); undefined for `off`. */
export function benchCounterStore(variant: RateLimitVariant, logger: Logger): CounterStore | undefined {
  if (variant === 'memory') return new MemoryCounterStore();
  if (variant === 'off') return undefined;
  const redis = new RedisCounterStore({ url: benchRedisUrl(), keyPrefix: `bench:${process.pid}:`, timeoutMs: 1000, logger });
  if (variant === 'redis') return redis;
  return new LeasedCounterStore(redis, { fraction: BENCH_LEASE / RPM, syncMs: 50, logger }); // syncMs: the config's default
}
