/**
 * The token views alone, over a stand-in for the Redis store's `sync` (the leased store's tests
 * run them on a real Redis): own charges counted at once, one call per sync for every charge
 * and every counter in use, idle views dropped, a failed sync reported and its charges kept in
 * the view.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CounterStoreError, type BucketCounts } from './counter-store.js';
import type { BucketCharge, RedisCounterStore } from './redis-store.js';
import { TokenViews, viewCounts } from './token-views.js';

const B = 1000;
const opened: TokenViews[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((v) => v.close()));
});

/** Views over a fake `sync` that records its calls and answers `counts(keys)` (or fails). */
function views(answer: (keys: readonly string[]) => BucketCounts[] | Error) {
  const calls: Array<{ charges: BucketCharge[]; keys: string[] }> = [];
  let t = 0;
  const inner = {
    sync: (charges: readonly BucketCharge[], keys: readonly string[]) => {
      calls.push({ charges: [...charges], keys: [...keys] });
      const a = answer(keys);
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
  } as unknown as RedisCounterStore;
  const v = new TokenViews(inner, { syncMs: 5, chargeDelayMs: 5, idleMs: 50, logger: pino({ level: 'silent' }), clock: () => t, bucketAt: () => ({ bucket: B, now: B * 60_000 }) });
  opened.push(v);
  return { v, calls, advance: (ms: number) => (t += ms) };
}

describe('token views', () => {
  it('counts this replica’s charges at once, and sends them with the reads in one call', async () => {
    const { v, calls } = views((keys) => keys.map((k) => ({ previous: 0, current: k === 'a' ? 17 : 4 })));
    v.fromRead('a', { previous: 2, current: 10 }, B, 0);
    v.fromRead('b', { previous: 0, current: 4 }, B, 0);
    v.add('a', 7, B);
    expect(viewCounts(v.get('a')!)).toEqual({ previous: 2, current: 17 });
    await expect.poll(() => calls.length).toBeGreaterThan(0);
    expect(calls[0]).toEqual({ charges: [{ key: 'a', bucket: B, amount: 7 }], keys: ['a', 'b'] });
    await expect.poll(() => v.get('a')!.previous).toBe(0); // read back: the charge is in Redis's count now
    expect(v.get('a')!).toMatchObject({ current: 17, sent: 0, unsent: 0 });
  });

  it('stops reading a counter unused for idleMs', async () => {
    const { v, calls, advance } = views((keys) => keys.map(() => ({ previous: 0, current: 0 })));
    v.fromRead('a', { previous: 0, current: 0 }, B, 0);
    advance(100);
    await expect.poll(() => v.get('a')).toBeUndefined(); // dropped at the next sync, which then has nothing to send
    expect(calls).toEqual([]);
  });

  it('reports a failed sync, keeps its charges in the view, and does not reject', async () => {
    const { v } = views(() => new CounterStoreError('down'));
    const errors: CounterStoreError[] = [];
    v.onError((e) => errors.push(e));
    v.fromRead('a', { previous: 0, current: 10 }, B, 0);
    v.add('a', 5, B);
    await expect.poll(() => errors.length).toBeGreaterThan(0);
    expect(viewCounts(v.get('a')!)).toEqual({ previous: 0, current: 15 });
    expect(v.get('a')!.readAt).toBe(0); // not refreshed: it goes stale
  });

  it('sends a lease’s units given back as a negative charge, and what is queued on close', async () => {
    const { v, calls } = views(() => []);
    v.charge('r', B, -3);
    expect(v.unsent('r', B)).toBe(-3);
    await v.close();
    expect(calls).toEqual([{ charges: [{ key: 'r', bucket: B, amount: -3 }], keys: [] }]);
  });
});
