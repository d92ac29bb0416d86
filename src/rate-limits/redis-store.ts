/**
 * Counters in Redis, shared by every replica: a request's checks are one Lua script, one round
 * trip, atomic (every check has room and the request units are taken, or nothing is); each
 * bucket key expires on its own two windows after it was last written. Keys are
 * `<prefix><counter key>:<bucket>`. A command that fails or takes longer than the timeout
 * rejects with {@link CounterStoreError}; the client never queues commands while disconnected
 * (it reconnects in the background), so an outage costs a request at most the timeout.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { bucketOf, WINDOW_MS } from './sliding-window.js';
import { CounterStoreError, type BucketCounts, type CounterCheck, type CounterStore, type TakeResult } from './counter-store.js';

/** KEYS: per check, current then previous bucket. ARGV: now, window, then per check limit and take. */
const TAKE_SCRIPT = `
local now = tonumber(ARGV[1])
local w = tonumber(ARGV[2])
local elapsed = now % w
local n = #KEYS / 2
local prev, cur = {}, {}
for i = 1, n do
  cur[i] = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  prev[i] = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
end
local refused = 0
for i = 1, n do
  local limit = tonumber(ARGV[1 + 2 * i])
  local need = math.max(tonumber(ARGV[2 + 2 * i]), 1)
  if prev[i] * (1 - elapsed / w) + cur[i] + need > limit then
    refused = i
    break
  end
end
if refused == 0 then
  for i = 1, n do
    local take = tonumber(ARGV[2 + 2 * i])
    if take > 0 then
      cur[i] = redis.call('INCRBY', KEYS[2 * i - 1], take)
      redis.call('PEXPIRE', KEYS[2 * i - 1], 2 * w)
    end
  end
end
local out = { refused }
for i = 1, n do
  out[#out + 1] = prev[i]
  out[#out + 1] = cur[i]
end
return out
`;

/** KEYS[1]: the current bucket. ARGV: amount, expiry ms. One command instead of MULTI/INCRBY/PEXPIRE/EXEC. */
const ADD_SCRIPT = `
redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** KEYS: per entry, tokens then cost key. ARGV: tokens, cost, then per entry its expiry (ms since epoch). */
const SPEND_ADD_SCRIPT = `
for i = 1, #KEYS / 2 do
  redis.call('INCRBY', KEYS[2 * i - 1], ARGV[1])
  redis.call('INCRBYFLOAT', KEYS[2 * i], ARGV[2])
  redis.call('PEXPIREAT', KEYS[2 * i - 1], ARGV[2 + i])
  redis.call('PEXPIREAT', KEYS[2 * i], ARGV[2 + i])
end
return 1
`;

/** How to reach Redis. */
export interface RedisStoreOptions {
  readonly url: string;
  readonly keyPrefix: string;
  readonly password?: string;
  readonly tls?: boolean;
  /** Time budget of one command. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly windowMs?: number;
}

type TakeCommand = (numKeys: number, ...args: Array<string | number>) => Promise<number[]>;
type AddCommand = (numKeys: number, ...args: Array<string | number>) => Promise<number>;

/** Budget spend shared by replicas (see SharedSpend in src/ledger/budgets.ts). */
export interface RedisSpend {
  read(keys: readonly string[]): Promise<Array<{ tokens: number; cost: number }>>;
  add(entries: ReadonlyArray<{ key: string; expiresAt: number }>, tokens: number, cost: number): Promise<void>;
}

/** Counters in Redis. */
export class RedisCounterStore implements CounterStore {
  private readonly client: Redis & { rateLimitTake?: TakeCommand; rateLimitAdd?: AddCommand; spendAdd?: AddCommand };
  private readonly windowMs: number;
  private lastErrorLog = 0;

  constructor(private readonly opts: RedisStoreOptions) {
    this.windowMs = opts.windowMs ?? WINDOW_MS;
    const options: RedisOptions = {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: opts.timeoutMs,
      connectTimeout: Math.max(opts.timeoutMs, 1000),
      retryStrategy: (times) => Math.min(times * 100, 2000),
      ...(opts.password !== undefined ? { password: opts.password } : {}),
      ...(opts.tls ? { tls: {} } : {}),
    };
    this.client = new Redis(opts.url, options);
    // Without a listener an 'error' event would end the process; the outage is answered per command.
    this.client.on('error', (err: Error) => this.logError(err));
    this.client.defineCommand('rateLimitTake', { lua: TAKE_SCRIPT });
    this.client.defineCommand('rateLimitAdd', { lua: ADD_SCRIPT });
    this.client.defineCommand('spendAdd', { lua: SPEND_ADD_SCRIPT });
  }

  async take(checks: readonly CounterCheck[], now: number): Promise<TakeResult> {
    const b = bucketOf(now, this.windowMs);
    const keys = checks.flatMap((c) => [this.keyOf(c.key, b), this.keyOf(c.key, b - 1)]);
    const args = checks.flatMap((c) => [c.limit, c.take]);
    const out = await this.run(() => this.client.rateLimitTake!(keys.length, ...keys, now, this.windowMs, ...args));
    const counts: BucketCounts[] = checks.map((_c, i) => ({ previous: Number(out[1 + 2 * i]), current: Number(out[2 + 2 * i]) }));
    const refused = Number(out[0]);
    return { refused: refused > 0 ? refused - 1 : undefined, counts };
  }

  async add(key: string, amount: number, now: number): Promise<void> {
    const k = this.keyOf(key, bucketOf(now, this.windowMs));
    await this.run(() => this.client.rateLimitAdd!(1, k, amount, 2 * this.windowMs));
  }

  async peek(keys: readonly string[], now: number): Promise<BucketCounts[]> {
    if (keys.length === 0) return [];
    const b = bucketOf(now, this.windowMs);
    const values = await this.run(() => this.client.mget(...keys.flatMap((k) => [this.keyOf(k, b), this.keyOf(k, b - 1)])));
    return keys.map((_k, i) => ({ current: Number(values[2 * i] ?? 0), previous: Number(values[2 * i + 1] ?? 0) }));
  }

  /** Budget spend counters on the same Redis (keys under `<prefix>spend:`): one round trip to read, one to add. */
  readonly spend: RedisSpend = {
    read: async (keys) => {
      if (keys.length === 0) return [];
      const values = await this.run(() => this.client.mget(...keys.flatMap((k) => [`${this.opts.keyPrefix}spend:${k}:t`, `${this.opts.keyPrefix}spend:${k}:c`])));
      return keys.map((_k, i) => ({ tokens: Number(values[2 * i] ?? 0), cost: Number(values[2 * i + 1] ?? 0) }));
    },
    add: async (entries, tokens, cost) => {
      if (entries.length === 0) return;
      const keys = entries.flatMap((e) => [`${this.opts.keyPrefix}spend:${e.key}:t`, `${this.opts.keyPrefix}spend:${e.key}:c`]);
      await this.run(() => this.client.spendAdd!(keys.length, ...keys, Math.round(tokens), cost, ...entries.map((e) => e.expiresAt)));
    },
  };

  async close(): Promise<void> {
    this.client.disconnect();
  }

  private keyOf(key: string, bucket: number): string {
    return `${this.opts.keyPrefix}${key}:${bucket}`;
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      if (this.client.status !== 'ready') await this.ready();
      return await fn();
    } catch (err) {
      throw new CounterStoreError(`rate-limit counters unavailable: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Resolves once connected; rejects after the command timeout (the connection is retried in the background). */
  private ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        reject(new Error(`not connected within ${this.opts.timeoutMs} ms`));
      }, this.opts.timeoutMs);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('ready', onReady);
    });
  }

  /** Logs connection errors at most once a minute. */
  private logError(err: Error): void {
    const now = Date.now();
    if (now - this.lastErrorLog < 60_000) return;
    this.lastErrorLog = now;
    this.opts.logger.error({ err: { message: err.message } }, 'rate-limit Redis unreachable');
  }
}
