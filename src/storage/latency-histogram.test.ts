import { describe, expect, it } from 'vitest';
import { bucketOf, emptyHistogram, HISTOGRAM_BOUNDS, HISTOGRAM_BUCKETS, histogramCaseSql, histogramPercentile } from './latency-histogram.js';

describe('latency histogram', () => {
  it('places values by the 2^(1/3) bounds, with an underflow and an overflow bucket', () => {
    expect(HISTOGRAM_BUCKETS).toBe(62);
    expect(HISTOGRAM_BOUNDS[0]).toBe(1);
    expect(HISTOGRAM_BOUNDS[3]).toBe(2);
    expect(HISTOGRAM_BOUNDS.at(-1)).toBe(2 ** 20);
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(-5)).toBe(0);
    expect(bucketOf(0.999)).toBe(0);
    expect(bucketOf(1)).toBe(1);
    expect(bucketOf(2)).toBe(4);
    expect(bucketOf(1.9999)).toBe(3);
    expect(bucketOf(2 ** 20)).toBe(61);
    expect(bucketOf(1e12)).toBe(61);
    for (let i = 1; i < HISTOGRAM_BOUNDS.length; i++) expect(HISTOGRAM_BOUNDS[i]! / HISTOGRAM_BOUNDS[i - 1]!).toBeCloseTo(2 ** (1 / 3), 12);
  });

  it('interpolates a percentile inside its bucket', () => {
    const h = emptyHistogram();
    expect(histogramPercentile(h, 0.5)).toBeNull();
    h[bucketOf(100)] = 10; // 10 values in [~100.8, 127) ms... whatever the bucket is
    const lower = HISTOGRAM_BOUNDS[bucketOf(100) - 1]!;
    const upper = HISTOGRAM_BOUNDS[bucketOf(100)]!;
    expect(histogramPercentile(h, 0.5)).toBeCloseTo(lower + (upper - lower) * 0.5, 9);
    expect(histogramPercentile(h, 1)).toBeCloseTo(upper, 9);
    h[bucketOf(5000)] = 10;
    expect(histogramPercentile(h, 0.25)).toBeLessThan(upper);
    expect(histogramPercentile(h, 0.95)).toBeGreaterThanOrEqual(HISTOGRAM_BOUNDS[bucketOf(5000) - 1]!);
    const overflow = emptyHistogram();
    overflow[61] = 3;
    expect(histogramPercentile(overflow, 0.5)).toBe(2 ** 20);
  });

  it('writes SQL bucket conditions that agree with bucketOf', () => {
    const sql = histogramCaseSql('x');
    expect(sql).toHaveLength(HISTOGRAM_BUCKETS);
    expect(sql[0]).toBe('CASE WHEN x IS NOT NULL AND x < 1 THEN 1 ELSE 0 END');
    expect(sql[4]).toBe(`CASE WHEN x IS NOT NULL AND x >= ${HISTOGRAM_BOUNDS[3]} AND x < ${HISTOGRAM_BOUNDS[4]} THEN 1 ELSE 0 END`);
    expect(sql[61]).toBe(`CASE WHEN x IS NOT NULL AND x >= ${2 ** 20} THEN 1 ELSE 0 END`);
  });
});
