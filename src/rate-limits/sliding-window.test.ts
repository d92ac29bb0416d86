import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WINDOW_MS, bucketOf, estimate, waitMs } from './sliding-window.js';

const T0 = 1_700_000_040_000; // a bucket start (divisible by 60 000)

describe('sliding window', () => {
  it('weighs the previous bucket by how much of it is still in the last minute', () => {
    expect(bucketOf(T0)).toBe(T0 / WINDOW_MS);
    expect(estimate(10, 4, T0)).toBe(14);
    expect(estimate(10, 4, T0 + 15_000)).toBe(11.5);
    expect(estimate(10, 4, T0 + 59_999)).toBeCloseTo(4, 2);
  });

  it('waits nothing when the cost fits, forever when it never can', () => {
    expect(waitMs(0, 9, 10, 1, T0 + 5)).toBe(0);
    expect(waitMs(0, 0, 10, 11, T0)).toBe(Infinity);
  });

  it('waits for the previous bucket to slide out, or into the next bucket', () => {
    // 10 in the previous bucket, 0 now, limit 10: one fits once a tenth of a minute passed.
    expect(waitMs(10, 0, 10, 1, T0)).toBe(6_000);
    // 10 already in this bucket: the next bucket, once a tenth of it passed.
    expect(waitMs(0, 10, 10, 1, T0 + 30_000)).toBe(30_000 + 6_000);
  });

  it('waits exactly long enough: the cost fits after the wait and not a millisecond before it', () => {
    fc.assert(
      fc.property(fc.nat(50), fc.nat(50), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 5 }), fc.nat(WINDOW_MS - 1), (prev, cur, limit, cost, at) => {
        const now = T0 + at;
        const w = waitMs(prev, cur, limit, cost, now);
        if (w === Infinity) return cost > limit;
        // After the wait (the buckets rolled over if the wait crossed into the next one):
        const later = now + w;
        const rolled = bucketOf(later) !== bucketOf(now);
        const after = rolled ? estimate(bucketOf(later) - bucketOf(now) === 1 ? cur : 0, 0, later) : estimate(prev, cur, later);
        if (after > limit - cost + 1e-9) return false;
        if (w <= 1) return true;
        const before = now + w - 2;
        const rolledB = bucketOf(before) !== bucketOf(now);
        const justBefore = rolledB ? estimate(cur, 0, before) : estimate(prev, cur, before);
        return justBefore > limit - cost - 1e-6;
      }),
    );
  });
});
