/**
 * The fixed latency histogram the ledger's hourly rollup keeps for time to first token and
 * duration, so percentiles over long ranges come from a few thousand rollup rows instead of
 * millions of requests.
 *
 * Buckets grow by a factor of 2^(1/3) (about 26 %): bucket 0 holds values under 1 ms, bucket
 * `i` (1..60) holds [2^((i-1)/3), 2^(i/3)) ms, and the last bucket everything from 2^20 ms
 * (about 17.5 minutes) up. A percentile read from it is interpolated linearly inside its bucket
 * (as Prometheus' `histogram_quantile` does), so it lies in the bucket that holds the
 * nearest-rank percentile of the requests: off by at most that bucket's width, 26 % of its value.
 */

/** Upper bounds (exclusive, ms) of every bucket but the last. */
export const HISTOGRAM_BOUNDS: readonly number[] = Array.from({ length: 61 }, (_, i) => 2 ** (i / 3));

/** Number of buckets (the bounds plus the overflow bucket). */
export const HISTOGRAM_BUCKETS = HISTOGRAM_BOUNDS.length + 1;

/** The bucket index of `ms` (a latency in milliseconds; negatives count as 0). */
export function bucketOf(ms: number): number {
  // Binary search for the first bound above `ms`.
  let lo = 0;
  let hi = HISTOGRAM_BOUNDS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ms < HISTOGRAM_BOUNDS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A histogram's counts by bucket. */
export type Histogram = number[];

/** An empty histogram. */
export function emptyHistogram(): Histogram {
  return new Array<number>(HISTOGRAM_BUCKETS).fill(0);
}

/**
 * The `p` (0..1) percentile estimated from `counts`, interpolated linearly inside its bucket;
 * null when the histogram is empty. Values in the overflow bucket read as its lower bound.
 */
export function histogramPercentile(counts: readonly number[], p: number): number | null {
  let total = 0;
  for (const c of counts) total += c;
  if (total === 0) return null;
  const rank = p * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c === 0) continue;
    if (seen + c >= rank) {
      const lower = i === 0 ? 0 : HISTOGRAM_BOUNDS[i - 1]!;
      if (i >= HISTOGRAM_BOUNDS.length) return lower;
      const upper = HISTOGRAM_BOUNDS[i]!;
      return lower + ((upper - lower) * Math.max(0, rank - seen)) / c;
    }
    seen += c;
  }
  return HISTOGRAM_BOUNDS[HISTOGRAM_BOUNDS.length - 1]!;
}

/**
 * SQL for a row's place in the histogram of `column`: one `CASE` per bucket that is 1 when the
 * value falls in it and 0 otherwise (NULLs count nowhere), with the same bounds as
 * {@link bucketOf} (the literals are the exact doubles). Summed over rows, they give the counts.
 */
export function histogramCaseSql(column: string): string[] {
  return Array.from({ length: HISTOGRAM_BUCKETS }, (_, i) => {
    const lower = i === 0 ? undefined : HISTOGRAM_BOUNDS[i - 1]!;
    const upper = i < HISTOGRAM_BOUNDS.length ? HISTOGRAM_BOUNDS[i]! : undefined;
    const conds = [`${column} IS NOT NULL`];
    if (lower !== undefined) conds.push(`${column} >= ${lower}`);
    if (upper !== undefined) conds.push(`${column} < ${upper}`);
    return `CASE WHEN ${conds.join(' AND ')} THEN 1 ELSE 0 END`;
  });
}

/** Column names `<prefix>0` … of one histogram. */
export function histogramColumns(prefix: string): string[] {
  return Array.from({ length: HISTOGRAM_BUCKETS }, (_, i) => `${prefix}${i}`);
}
