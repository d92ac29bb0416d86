/**
 * One contract, run against every counter store: the memory store, and the Redis store on a real
 * Redis (test/support/redis.ts), exact and leased. Plus what only Redis has: two clients share counters, and an
 * unreachable server answers within the timeout with a CounterStoreError.
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTestRedis, type TestRedis } from '../../test/support/redis.js';
import { CounterStoreError, type CounterStore } from './counter-store.js';
import { LeasedCounterStore } from './leased-store.js';
import { MemoryCounterStore } from './memory-store.js';
import { RedisCounterStore } from './redis-store.js';
import { bucketOf, WINDOW_MS } from './sliding-window.js';

const logger = pino({ level: 'silent' });
const T0 = 1_700_000_040_000;
const redisTests: TestRedis[] = [];
const open: CounterStore[] = [];

afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  await Promise.all(redisTests.map((r) => r.drop()));
});

const stores: Array<[string, () => Promise<CounterStore>]> = [
  ['memory', async () => new MemoryCounterStore()],
  [
    'redis',
    async () => {
      const r = await createTestRedis();
      redisTests.push(r);
      return new RedisCounterStore({ url: r.url, keyPrefix: r.prefix, timeoutMs: 1000, logger });
    },
  ],
  [
    'redis, leased (leases of half a limit)',
    async () => {
      const r = await createTestRedis();
      redisTests.push(r);
      return new LeasedCounterStore(new RedisCounterStore({ url: r.url, keyPrefix: r.prefix, timeoutMs: 1000, logger }), { fraction: 0.5, syncMs: 100, logger });
    },
  ],
];

for (const [name, make] of stores) {
  describe(`counter store contract: ${name}`, () => {
    const store = async () => {
      const s = await make();
      open.push(s);
      return s;
    };

    it('admits up to the limit within a minute, then refuses without taking', async () => {
      const s = await store();
      for (let i = 0; i < 3; i++) expect((await s.take([{ key: 'a', limit: 3, take: 1 }], T0 + i)).refused).toBeUndefined();
      const r = await s.take([{ key: 'a', limit: 3, take: 1 }], T0 + 10);
      expect(r.refused).toBe(0);
      expect(r.counts).toEqual([{ previous: 0, current: 3 }]);
    });

    it('takes for every check or for none', async () => {
      const s = await store();
      await s.take([{ key: 'full', limit: 1, take: 1 }], T0);
      const r = await s.take(
        [
          { key: 'free', limit: 5, take: 1 },
          { key: 'full', limit: 1, take: 1 },
        ],
        T0 + 1,
      );
      expect(r.refused).toBe(1);
      expect((await s.peek(['free', 'full'], T0 + 2)).map((c) => c.current)).toEqual([0, 1]);
    });

    it('slides: last minute’s count weighs less as the minute passes', async () => {
      const s = await store();
      for (let i = 0; i < 4; i++) await s.take([{ key: 'w', limit: 4, take: 1 }], T0 + i);
      expect((await s.take([{ key: 'w', limit: 4, take: 1 }], T0 + WINDOW_MS + 1_000)).refused).toBe(0); // 4 × 59/60 + 0 + 1 > 4
      expect((await s.take([{ key: 'w', limit: 4, take: 1 }], T0 + WINDOW_MS + 20_000)).refused).toBeUndefined(); // 4 × 2/3 + 1 ≤ 4
      expect(await s.peek(['w'], T0 + WINDOW_MS + 20_001)).toEqual([{ previous: 4, current: 1 }]);
    });

    it('token counters take nothing, need room for one more token, and grow by add()', async () => {
      const s = await store();
      expect((await s.take([{ key: 't', limit: 100, take: 0 }], T0)).refused).toBeUndefined();
      await s.add('t', 100, T0 + 1);
      expect((await s.take([{ key: 't', limit: 100, take: 0 }], T0 + 2)).refused).toBe(0);
      expect(await s.peek(['t', 'none'], T0 + 3)).toEqual([
        { previous: 0, current: 100 },
        { previous: 0, current: 0 },
      ]);
    });

    it('admits exactly the limit under concurrency', async () => {
      const s = await store();
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => s.take([{ key: 'c', limit: 20, take: 1 }], T0 + i)));
      expect(results.filter((r) => r.refused === undefined)).toHaveLength(20);
    });
  });
}

describe('Redis counter store', () => {
  afterEach(() => undefined);

  it('shares counters between two clients (two replicas)', async () => {
    const r = await createTestRedis();
    redisTests.push(r);
    const a = new RedisCounterStore({ url: r.url, keyPrefix: r.prefix, timeoutMs: 1000, logger });
    const b = new RedisCounterStore({ url: r.url, keyPrefix: r.prefix, timeoutMs: 1000, logger });
    open.push(a, b);
    const both = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).take([{ key: 'shared', limit: 10, take: 1 }], T0 + i)));
    expect(both.filter((x) => x.refused === undefined)).toHaveLength(10);
  });

  const pair = async (chargeDelayMs: number) => {
    const r = await createTestRedis();
    redisTests.push(r);
    const a = new RedisCounterStore({ url: r.url, keyPrefix: r.prefix, timeoutMs: 1000, logger, chargeDelayMs });
    const b = new RedisCounterStore({ url: r.url, keyPrefix: r.prefix, timeoutMs: 1000, logger });
    open.push(a, b);
    return { a, b };
  };

  it('carries a token charge with the next check, applied before it: one round trip per request', async () => {
    const { a, b } = await pair(60_000); // the timer never sends it during the test
    const charged = a.add('t', 7, T0);
    expect(await b.peek(['t'], T0)).toEqual([{ previous: 0, current: 0 }]); // still waiting here
    void a.add('full', 5, T0);
    const r = await a.take([{ key: 'full', limit: 5, take: 0 }], T0 + 1);
    expect(r.refused).toBe(0); // its own charge was counted before the check
    await charged;
    expect(await b.peek(['t', 'full'], T0 + 2)).toEqual([
      { previous: 0, current: 7 },
      { previous: 0, current: 5 },
    ]);
  });

  it('sends a waiting charge on its own when no check comes within the delay, and on close', async () => {
    const { a, b } = await pair(5);
    await a.add('t', 3, T0);
    await a.add('t', 4, T0);
    expect(await b.peek(['t'], T0)).toEqual([{ previous: 0, current: 7 }]);
    const { a: closing, b: other } = await pair(60_000);
    void closing.add('c', 9, T0);
    await closing.close();
    expect(await other.peek(['c'], T0)).toEqual([{ previous: 0, current: 9 }]);
  });

  it('lets the requests that ask within one turn share one round trip, each atomic on its own, in order', async () => {
    const r = await createTestRedis();
    redisTests.push(r);
    const s = new RedisCounterStore({ url: r.url, keyPrefix: r.prefix, timeoutMs: 1000, logger });
    open.push(s);
    await s.take([{ key: 'warm', limit: 1, take: 0 }], T0); // connected, script loaded
    const raw = new Redis(r.url);
    const monitor = await raw.monitor();
    const seen: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua' && args.some((a) => a.startsWith(r.prefix))) seen.push(args);
    });
    try {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          s.take(
            [
              { key: 'shared', limit: 3, take: 1 },
              { key: `own${i}`, limit: 5, take: 1 },
            ],
            T0 + i,
          ),
        ),
      );
      expect(results.map((x) => x.refused)).toEqual([undefined, undefined, undefined, 0, 0, 0, 0, 0, 0, 0]);
      expect(results[2]!.counts).toEqual([
        { previous: 0, current: 3 },
        { previous: 0, current: 1 },
      ]);
      // A refused request took nothing, not even from the counter that had room.
      expect((await s.peek(['own2', 'own3'], T0 + 20)).map((c) => c.current)).toEqual([1, 0]);
      // The peek went after the checks on the same connection: once it shows, so have they.
      await expect.poll(() => seen.some((a) => a[0]?.toLowerCase() === 'mget')).toBe(true);
      expect(seen.filter((a) => a[0]?.toLowerCase().startsWith('eval'))).toHaveLength(1);
    } finally {
      monitor.disconnect();
      raw.disconnect();
    }
  });

  it('gives a bucket key its expiry when it creates it: three windows', async () => {
    const r = await createTestRedis();
    redisTests.push(r);
    const s = new RedisCounterStore({ url: r.url, keyPrefix: r.prefix, timeoutMs: 1000, logger });
    open.push(s);
    const raw = new Redis(r.url);
    try {
      await s.take([{ key: 'e', limit: 5, take: 1 }], T0);
      await s.add('f', 3, T0);
      for (const k of ['e', 'f']) {
        const ttl = await raw.pttl(`${r.prefix}${k}:${bucketOf(T0)}`);
        expect(ttl).toBeGreaterThan(2 * WINDOW_MS);
        expect(ttl).toBeLessThanOrEqual(3 * WINDOW_MS);
      }
    } finally {
      raw.disconnect();
    }
  });

  it('rejects a charge that cannot be sent with a CounterStoreError', async () => {
    const s = new RedisCounterStore({ url: 'redis://127.0.0.1:1', keyPrefix: 'x:', timeoutMs: 50, logger, chargeDelayMs: 1 });
    open.push(s);
    await expect(s.add('k', 1, T0)).rejects.toBeInstanceOf(CounterStoreError);
  });

  it('answers a CounterStoreError within its timeout when Redis cannot be reached', async () => {
    const s = new RedisCounterStore({ url: 'redis://127.0.0.1:1', keyPrefix: 'x:', timeoutMs: 50, logger });
    open.push(s);
    const started = performance.now();
    await expect(s.take([{ key: 'k', limit: 1, take: 1 }], T0)).rejects.toBeInstanceOf(CounterStoreError);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
