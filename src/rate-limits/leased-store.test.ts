/**
 * The leased store on a real Redis (test/support/redis.ts): lease sizes, local answers without
 * round trips (the inner store's calls counted), the bucket change, the bound across two
 * replicas, the token view (own charges at once, other replicas' after a sync), idle leases
 * given back, and a failing sync reported, never thrown.
 */
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createTestRedis, type TestRedis } from '../../test/support/redis.js';
import { CounterStoreError, type TakeResult } from './counter-store.js';
import { LeasedCounterStore, type LeaseOptions } from './leased-store.js';
import { RedisCounterStore } from './redis-store.js';
import { WINDOW_MS } from './sliding-window.js';

const logger = pino({ level: 'silent' });
const T0 = 1_700_000_040_000; // the start of a minute
const redisTests: TestRedis[] = [];
const open: Array<{ close(): Promise<void> }> = [];

afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  await Promise.all(redisTests.map((r) => r.drop()));
});

async function redis(): Promise<TestRedis> {
  const r = await createTestRedis();
  redisTests.push(r);
  return r;
}

/** A leased store on `r` and its inner Redis store, with the inner calls counted. */
function leased(r: TestRedis, opts: Partial<Omit<LeaseOptions, 'logger'>> = {}) {
  const inner = new RedisCounterStore({ url: r.url, keyPrefix: r.prefix, timeoutMs: 1000, logger });
  const store = new LeasedCounterStore(inner, { fraction: 0.01, syncMs: 100, logger, ...opts });
  open.push(store);
  const takes = vi.spyOn(inner, 'takeUpTo');
  const syncs = vi.spyOn(inner, 'sync');
  return { store, inner, takes, syncs };
}

const req = (key: string, limit: number) => ({ key, limit, take: 1 });
const tok = (key: string, limit: number) => ({ key, limit, take: 0 });

describe('leased counter store', () => {
  it('sizes a lease as fraction × limit, at least one', async () => {
    const { store } = leased(await redis(), { fraction: 0.01 });
    expect(store.leaseSize(60)).toBe(1);
    expect(store.leaseSize(10_000)).toBe(100);
    expect(store.leaseSize(150)).toBe(1);
  });

  it('leaves budget spend to the Redis store: every read and add its own round trip', async () => {
    const { store, inner } = leased(await redis());
    expect(store.spend).toBe(inner.spend);
  });

  it('answers from a lease synchronously, one round trip per lease, with the known count', async () => {
    const { store, takes } = leased(await redis(), { fraction: 0.05 }); // limit 100: leases of 5
    const first = await store.take([req('a', 100)], T0);
    expect(first).toEqual({ refused: undefined, counts: [{ previous: 0, current: 1 }] });
    expect(takes).toHaveBeenCalledTimes(1);
    const local: Array<TakeResult | Promise<TakeResult>> = [];
    for (let i = 1; i < 5; i++) local.push(store.take([req('a', 100)], T0 + i));
    expect(local.some((r) => r instanceof Promise)).toBe(false);
    expect((local as TakeResult[]).map((r) => r.counts[0]!.current)).toEqual([2, 3, 4, 5]);
    expect(takes).toHaveBeenCalledTimes(1);
    const sixth = store.take([req('a', 100)], T0 + 5);
    expect(sixth).toBeInstanceOf(Promise); // the lease is used up: the next one
    expect((await sixth).counts[0]).toEqual({ previous: 0, current: 6 });
    expect(takes).toHaveBeenCalledTimes(2);
    // Redis counts the whole lease; the store's own peek shows what was used.
    expect(await store.peek(['a'], T0 + 6)).toEqual([{ previous: 0, current: 6 }]);
  });

  it('leases what the window has left when less than a lease, and never more than the limit', async () => {
    const r = await redis();
    const a = leased(r, { fraction: 0.5 }); // limit 10: leases of 5
    const b = leased(r, { fraction: 0.5 });
    await a.store.take([req('l', 10)], T0); // a holds 4 more
    for (let i = 0; i < 3; i++) await b.store.take([req('l', 10)], T0 + 1 + i); // b leased 5, used 3
    // 10 counted in Redis: a has 4 unused, b 2; together exactly the 6 requests still admitted.
    const more = [];
    for (let i = 0; i < 8; i++) more.push(await (i % 2 ? a : b).store.take([req('l', 10)], T0 + 10 + i));
    expect(more.filter((x) => x.refused === undefined)).toHaveLength(6);
    const c = leased(r, { fraction: 0.5 });
    expect((await c.store.take([req('l', 10)], T0 + 20)).refused).toBe(0);
  });

  it('drops a lease when the minute changes and takes a new one in the new bucket', async () => {
    const { store, takes } = leased(await redis(), { fraction: 0.1 }); // limit 100: leases of 10
    await store.take([req('m', 100)], T0);
    expect(store.take([req('m', 100)], T0 + 1)).not.toBeInstanceOf(Promise);
    const next = store.take([req('m', 100)], T0 + WINDOW_MS + 1);
    expect(next).toBeInstanceOf(Promise);
    // 2 used and 8 held of the old bucket count as the previous minute: 10 × (1 − 1/60000) + 1.
    expect((await next).counts[0]).toEqual({ previous: 10, current: 1 });
    expect(takes).toHaveBeenCalledTimes(2);
  });

  it('lets requests wait for the one lease round trip in flight instead of taking leases of their own', async () => {
    const { store, takes } = leased(await redis(), { fraction: 0.1 });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.take([req('w', 100)], T0 + i)));
    expect(results.every((x) => x.refused === undefined)).toBe(true);
    expect(takes).toHaveBeenCalledTimes(1);
    expect(results.map((x) => x.counts[0]!.current).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('lets the requests waiting on a full counter share its refusal: one round trip, not one after the other', async () => {
    const { store, takes } = leased(await redis(), { fraction: 1 });
    await store.take([req('f', 2)], T0); // leased both
    store.take([req('f', 2)], T0 + 1);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => store.take([req('f', 2), tok('g', 100)], T0 + 2 + i)));
    expect(results.map((x) => x.refused)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(results[5]!.counts[0]).toEqual({ previous: 0, current: 2 });
    expect(takes).toHaveBeenCalledTimes(2);
  });

  it('two replicas on one Redis never admit more than the limit under concurrency, and at most a lease each less', async () => {
    const r = await redis();
    const a = leased(r, { fraction: 0.05 }); // limit 200: leases of 10
    const b = leased(r, { fraction: 0.05 });
    const results = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        await new Promise((res) => setTimeout(res, i % 7)); // spread over a few turns
        return (i % 2 ? a : b).store.take([req('c', 200)], T0 + i);
      }),
    );
    const admitted = results.filter((x) => x.refused === undefined).length;
    expect(admitted).toBeLessThanOrEqual(200);
    expect(admitted).toBeGreaterThanOrEqual(200 - 2 * 10);
    expect(a.takes.mock.calls.length + b.takes.mock.calls.length).toBeLessThan(150);
  });

  it('refuses without taking from any lease, and gives a reserved unit back when another check refuses', async () => {
    const { store } = leased(await redis(), { fraction: 0.5 });
    await store.take([req('free', 10)], T0); // leased 5, 4 held
    await store.take([req('full', 1)], T0);
    const r = await store.take([req('free', 10), req('full', 1)], T0 + 1);
    expect(r.refused).toBe(1);
    expect(r.counts[0]).toEqual({ previous: 0, current: 1 }); // the unit went back
    expect((store.take([req('free', 10)], T0 + 2) as TakeResult).counts[0]).toEqual({ previous: 0, current: 2 });
  });

  it('answers token counters from the view: its own charges at once, another replica’s after a sync', async () => {
    const r = await redis();
    const a = leased(r, { syncMs: 20, chargeDelayMs: 5 });
    const b = leased(r, { syncMs: 20, chargeDelayMs: 5 });
    expect((await a.store.take([tok('t', 100)], T0)).refused).toBeUndefined(); // read once: a view
    expect(a.takes).toHaveBeenCalledTimes(1);
    a.store.add('t', 60, T0 + 1);
    const own = a.store.take([tok('t', 100)], T0 + 2) as TakeResult;
    expect(own).toEqual({ refused: undefined, counts: [{ previous: 0, current: 60 }] }); // exact, no round trip
    a.store.add('t', 40, T0 + 3);
    expect((a.store.take([tok('t', 100)], T0 + 4) as TakeResult).refused).toBe(0);
    expect(a.takes).toHaveBeenCalledTimes(1);
    // b learns of a's charges: sent within the charge delay, read at b's next sync.
    await b.store.take([tok('t', 100)], T0 + 5); // its view (read before or after a's sync)
    await expect.poll(() => (b.store.take([tok('t', 100)], T0 + 6) as TakeResult).refused, { timeout: 2000, interval: 5 }).toBe(0);
    expect(b.takes).toHaveBeenCalledTimes(1);
    expect(b.syncs.mock.calls.length).toBeGreaterThan(0);
  });

  it('sends charges and reads every counter in use in one round trip per sync', async () => {
    const r = await redis();
    const { store, syncs } = leased(r, { syncMs: 1000, chargeDelayMs: 5 });
    await store.take([tok('x', 1000), tok('y', 1000), tok('z', 1000)], T0);
    store.add('x', 1, T0);
    store.add('y', 2, T0);
    await expect.poll(() => syncs.mock.calls.length, { interval: 2 }).toBe(1);
    const [charges, keys] = syncs.mock.calls[0]!;
    expect(charges.map((c) => [c.key, c.amount])).toEqual([
      ['x', 1],
      ['y', 2],
    ]);
    expect([...keys].sort()).toEqual(['x', 'y', 'z']);
  });

  it('gives an idle lease’s unused units back', async () => {
    const r = await redis();
    const { store } = leased(r, { fraction: 0.5, idleMs: 30 });
    const other = new RedisCounterStore({ url: r.url, keyPrefix: r.prefix, timeoutMs: 1000, logger });
    open.push(other);
    await store.take([req('i', 10)], T0);
    expect(await other.peek(['i'], T0)).toEqual([{ previous: 0, current: 5 }]);
    await expect.poll(async () => (await other.peek(['i'], T0))[0], { timeout: 2000, interval: 10 }).toEqual({ previous: 0, current: 1 });
  });

  it('reports a failed sync to the listener without rejecting, and stops using a view it cannot refresh', async () => {
    const r = await redis();
    const { store, inner, takes } = leased(r, { syncMs: 10, staleMs: 40, chargeDelayMs: 1 });
    const errors: CounterStoreError[] = [];
    store.onBackgroundError((e) => errors.push(e));
    await store.take([tok('s', 100)], T0);
    vi.spyOn(inner, 'sync').mockRejectedValue(new CounterStoreError('down'));
    store.add('s', 5, T0 + 1);
    await expect.poll(() => errors.length, { interval: 2 }).toBeGreaterThan(0);
    expect((store.take([tok('s', 100)], T0 + 2) as TakeResult).counts[0]).toEqual({ previous: 0, current: 5 }); // own charge kept
    await expect.poll(() => store.take([tok('s', 100)], T0 + 3) instanceof Promise, { interval: 5 }).toBe(true);
    expect(takes.mock.calls.length).toBeGreaterThan(1);
  });

  it('rejects with a CounterStoreError when a lease cannot be taken', async () => {
    const inner = new RedisCounterStore({ url: 'redis://127.0.0.1:1', keyPrefix: 'x:', timeoutMs: 50, logger });
    const store = new LeasedCounterStore(inner, { fraction: 0.1, syncMs: 100, logger });
    open.push(store);
    const takes = vi.spyOn(inner, 'takeUpTo');
    await expect(store.take([req('k', 100)], T0)).rejects.toBeInstanceOf(CounterStoreError);
    await expect(store.take([req('k', 100)], T0)).rejects.toBeInstanceOf(CounterStoreError); // no lease left behind
    // Requests waiting for the failing round trip share its failure: one timeout, not one each.
    const all = await Promise.allSettled(Array.from({ length: 5 }, () => store.take([req('k', 100)], T0)));
    expect(all.every((x) => x.status === 'rejected' && x.reason instanceof CounterStoreError)).toBe(true);
    expect(takes).toHaveBeenCalledTimes(3);
  });

  it('gives its leases back and sends its charges on close', async () => {
    const r = await redis();
    const { store } = leased(r, { fraction: 0.5, syncMs: 60_000, chargeDelayMs: 60_000 });
    const other = new RedisCounterStore({ url: r.url, keyPrefix: r.prefix, timeoutMs: 1000, logger });
    open.push(other);
    await store.take([req('q', 10), tok('u', 100)], T0);
    store.add('u', 9, T0);
    await store.close();
    expect(await other.peek(['q', 'u'], T0)).toEqual([
      { previous: 0, current: 1 },
      { previous: 0, current: 9 },
    ]);
  });
});
