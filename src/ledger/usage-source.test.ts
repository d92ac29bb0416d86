import { describe, expect, it } from 'vitest';
import { segmentsOf, sourceSql } from './usage-source.js';

const H = 3_600_000;
const D = 86_400_000;
const DAY0 = Date.UTC(2026, 0, 10);

describe('segmentsOf', () => {
  it('reads whole days from the daily rollup, whole hours from the hourly one, the rest raw', () => {
    const from = DAY0 + 22 * H + 123;
    const to = DAY0 + 3 * D + 2 * H + 5;
    const segs = segmentsOf(from, to).map((s) => [s.rollup?.table ?? 'raw', s.from, s.to]);
    expect(segs).toEqual([
      ['raw', from, DAY0 + 23 * H],
      ['ledger_hourly', DAY0 + 23 * H, DAY0 + D],
      ['ledger_daily', DAY0 + D, DAY0 + 3 * D],
      ['ledger_hourly', DAY0 + 3 * D, DAY0 + 3 * D + 2 * H],
      ['raw', DAY0 + 3 * D + 2 * H, to],
    ]);
  });

  it('covers the range exactly, without gaps or overlaps', () => {
    for (const [from, to] of [
      [DAY0 + 5, DAY0 + 17],
      [DAY0, DAY0 + D],
      [DAY0 + 59 * 60_000, DAY0 + 61 * 60_000],
      [DAY0 - 7, DAY0 + 40 * D + 7],
    ] as const) {
      const segs = segmentsOf(from, to);
      expect(segs[0]!.from).toBe(from);
      expect(segs.at(-1)!.to).toBe(to);
      for (let i = 1; i < segs.length; i++) expect(segs[i]!.from).toBe(segs[i - 1]!.to);
    }
    expect(segmentsOf(DAY0, DAY0)).toEqual([]);
  });

  it('stays at or below a maximum period (hourly time series never read days)', () => {
    expect(segmentsOf(DAY0, DAY0 + 2 * D, H).map((s) => s.rollup?.table)).toEqual(['ledger_hourly']);
  });
});

describe('sourceSql', () => {
  it('binds range and filters per branch and never inlines filter values', () => {
    const { sql, params } = sourceSql(DAY0 + 5, DAY0 + 2 * H, { project: "x' OR 1=1 --" });
    expect(sql).not.toContain('OR 1=1');
    expect(sql.split('UNION ALL')).toHaveLength(2);
    expect(params).toEqual([DAY0 + 5, DAY0 + H, "x' OR 1=1 --", DAY0 + H, DAY0 + 2 * H, "x' OR 1=1 --"]);
    expect(sourceSql(DAY0, DAY0, {}).params).toEqual([0, 0]);
  });
});
