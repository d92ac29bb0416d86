/**
 * Where a usage query reads a time range from: the coarsest rollup that fits whole periods of
 * it, finer rollups for the partial days at its ends, and raw `ledger` rows only for the partial
 * hours at its very ends. A thirty-day summary so reads ~30 daily rollup rows per group, at most
 * 46 hourly ones and under two hours of requests, whatever the table's size.
 */
import { ROLLUP_COUNTERS, ROLLUP_DIMENSIONS, ROLLUPS, rawCounterExprs, rawDimensionSql, type Rollup, type RollupDimension } from '../storage/rollup-sql.js';

/** One piece of a range and where it is read from (`undefined`: raw rows). */
export interface Segment {
  readonly rollup: Rollup | undefined;
  readonly from: number;
  readonly to: number;
}

/**
 * `[from, to)` cut into segments: whole periods of the coarsest rollup whose period is at most
 * `maxPeriod`, then finer ones, then raw rows.
 */
export function segmentsOf(from: number, to: number, maxPeriod = Infinity): Segment[] {
  const levels = ROLLUPS.filter((r) => r.period <= maxPeriod);
  const split = (a: number, b: number, level: number): Segment[] => {
    if (a >= b) return [];
    if (level < 0) return [{ rollup: undefined, from: a, to: b }];
    const r = levels[level]!;
    const start = Math.ceil(a / r.period) * r.period;
    const end = Math.floor(b / r.period) * r.period;
    if (start >= end) return split(a, b, level - 1);
    return [...split(a, start, level - 1), { rollup: r, from: start, to: end }, ...split(end, b, level - 1)];
  };
  return split(from, to, levels.length - 1);
}

/** Dimension filters: equality on each named dimension. */
export type DimensionFilters = Readonly<Partial<Record<RollupDimension, string>>>;

/**
 * SQL for rollup-shaped rows covering `[from, to)` with `filters`: columns `at` (bucket or
 * request time), every dimension (`''` for missing) and every counter. Use it as a subquery.
 */
export function sourceSql(from: number, to: number, filters: DimensionFilters, maxPeriod?: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const filterEntries = Object.entries(filters).filter((e): e is [RollupDimension, string] => typeof e[1] === 'string');
  const branches = segmentsOf(from, to, maxPeriod).map((s) => {
    params.push(s.from, s.to);
    const where = filterEntries.map(([d, v]) => (params.push(v), ` AND ${d} = ?`)).join('');
    if (s.rollup) {
      return `SELECT bucket AS at, ${ROLLUP_DIMENSIONS.join(', ')}, ${ROLLUP_COUNTERS.join(', ')} FROM ${s.rollup.table} WHERE bucket >= ? AND bucket < ?${where}`;
    }
    const dims = ROLLUP_DIMENSIONS.map((d) => `${rawDimensionSql(d)} AS ${d}`).join(', ');
    const counters = rawCounterExprs().map((e, i) => `${e} AS ${ROLLUP_COUNTERS[i]}`).join(', ');
    return `SELECT ts AS at, ${dims}, ${counters} FROM ledger WHERE ts >= ? AND ts < ?${where}`;
  });
  if (branches.length === 0) {
    // An empty range still needs a well-formed (empty) source.
    params.push(0, 0);
    return { sql: `SELECT bucket AS at, ${ROLLUP_DIMENSIONS.join(', ')}, ${ROLLUP_COUNTERS.join(', ')} FROM ${ROLLUPS[0]!.table} WHERE bucket >= ? AND bucket < ?`, params };
  }
  return { sql: branches.join('\nUNION ALL\n'), params };
}
