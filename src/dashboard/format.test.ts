/**
 * The dashboard's pure browser helpers (assets/dashboard/format.js), run under Node: they use
 * no DOM.
 */
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  HOUR_MS,
  axisTicks,
  bucketLabel,
  bucketStarts,
  bucketTitle,
  errorRate,
  fillBuckets,
  formatCount,
  formatMs,
  formatPercent,
  formatUsd,
  keyName,
  niceMax,
  rangeOf,
  zeroPoint,
} from '../../assets/dashboard/format.js';

const T0 = Date.UTC(2026, 2, 5, 14, 30);

describe('ranges and buckets', () => {
  it('names the three ranges with their intervals; an unknown name is the last 24 hours', () => {
    expect(rangeOf('24h', T0)).toEqual({ from: T0 - DAY_MS, to: T0, interval: 'hour' });
    expect(rangeOf('7d', T0)).toEqual({ from: T0 - 7 * DAY_MS, to: T0, interval: 'hour' });
    expect(rangeOf('30d', T0)).toEqual({ from: T0 - 30 * DAY_MS, to: T0, interval: 'day' });
    expect(rangeOf('1y', T0)).toEqual(rangeOf('24h', T0));
  });

  it('floors from and ceils to the interval in UTC', () => {
    const hours = bucketStarts(T0 - DAY_MS, T0, 'hour');
    expect(hours).toHaveLength(25);
    expect(hours[0]).toBe(Date.UTC(2026, 2, 4, 14));
    expect(hours.at(-1)).toBe(Date.UTC(2026, 2, 5, 14));
    const days = bucketStarts(T0 - 30 * DAY_MS, T0, 'day');
    expect(days).toHaveLength(31);
    expect(days[0]).toBe(Date.UTC(2026, 1, 3));
    expect(bucketStarts(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1, 3), 'hour')).toHaveLength(3);
  });

  it('fills the buckets without data with zero points', () => {
    const start = Date.UTC(2026, 2, 5, 13);
    const point = { ...zeroPoint(0), start: new Date(start).toISOString(), requests: 4, errors: 1, costUsd: 0.5 };
    const filled = fillBuckets([point], start - 2 * HOUR_MS, start + HOUR_MS, 'hour');
    expect(filled.map((p) => p.start)).toEqual([start - 2 * HOUR_MS, start - HOUR_MS, start]);
    expect(filled[2]).toMatchObject({ start, requests: 4, errors: 1, costUsd: 0.5 });
    expect(filled[0]).toEqual(zeroPoint(start - 2 * HOUR_MS));
    expect(filled[0]!.ttftMs).toEqual({ p50: null, p95: null });
  });

  it('labels the axis every few hours, at midnights over a week, every few days over a month', () => {
    const day = axisTicks(bucketStarts(T0 - DAY_MS, T0, 'hour'), 'hour');
    expect(day.length).toBeLessThanOrEqual(8);
    expect(day[0]).toEqual({ index: 0, label: '14:00' });
    const week = axisTicks(bucketStarts(T0 - 7 * DAY_MS, T0, 'hour'), 'hour');
    expect(week.map((t) => t.label)).toEqual(['Feb 27', 'Feb 28', 'Mar 1', 'Mar 2', 'Mar 3', 'Mar 4', 'Mar 5']);
    expect(week[0]!.index).toBe(10);
    const month = axisTicks(bucketStarts(T0 - 30 * DAY_MS, T0, 'day'), 'day');
    expect(month.length).toBeLessThanOrEqual(8);
    expect(month[0]).toEqual({ index: 0, label: 'Feb 3' });
  });

  it('titles buckets in UTC', () => {
    expect(bucketLabel(Date.UTC(2026, 2, 5, 9), 'hour')).toBe('09:00');
    expect(bucketTitle(Date.UTC(2026, 2, 5, 9), 'hour')).toBe('2026-03-05 09:00 UTC');
    expect(bucketTitle(Date.UTC(2026, 2, 5), 'day')).toBe('2026-03-05 UTC');
  });
});

describe('formatting', () => {
  it('formats dollars: cents from 10 cents, four significant digits below, a dash for unknown', () => {
    expect(formatUsd(null)).toBe('—');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(0.003)).toBe('$0.003');
    expect(formatUsd(0.012345)).toBe('$0.01235');
    expect(formatUsd(0.05)).toBe('$0.05');
    expect(formatUsd(0.9)).toBe('$0.90');
    expect(formatUsd(1234.567)).toBe('$1,234.57');
    expect(formatUsd(2_500_000)).toBe('$2.50M');
  });

  it('formats counts with grouping, then K, M, B', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(12_345)).toBe('12,345');
    expect(formatCount(140_000)).toBe('140K');
    expect(formatCount(2_345_678)).toBe('2.35M');
    expect(formatCount(7e9)).toBe('7B');
    expect(formatCount(undefined)).toBe('—');
  });

  it('formats ratios as percentages, and milliseconds', () => {
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.25)).toBe('25%');
    expect(formatPercent(1 / 3)).toBe('33.3%');
    expect(formatPercent(0.0004)).toBe('<0.1%');
    expect(formatPercent(null)).toBe('—');
    expect(formatMs(12.4)).toBe('12 ms');
    expect(formatMs(1250)).toBe('1.25 s');
    expect(formatMs(null)).toBe('—');
  });

  it('computes error rates, axis bounds and key names', () => {
    expect(errorRate({ requests: 4, errors: 1 })).toBe(0.25);
    expect(errorRate({ requests: 0, errors: 0 })).toBeNull();
    expect([0, 0.07, 3, 12, 24, 2600].map(niceMax)).toEqual([1, 0.1, 5, 20, 25, 5000]);
    expect(keyName(null)).toBe('(none)');
    expect(keyName('gpt-4o')).toBe('gpt-4o');
  });
});
