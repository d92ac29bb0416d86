/**
 * Usage summaries and time series for the admin API, read through {@link sourceSql} (rollups
 * for whole hours and days, raw rows for the partial hours at the ends), so their cost depends on
 * the number of groups and periods, not of requests.
 *
 * Percentiles (p50, p95 of TTFT and duration): a summary whose range holds at most
 * {@link EXACT_PERCENTILE_LIMIT} requests gets exact continuous percentiles (as PostgreSQL's
 * `percentile_cont`) from the raw rows; larger ones, and every time series point, get estimates
 * from the rollups' latency histograms (see latency-histogram.ts). Responses say which.
 */
import { num, type SqlDb, type SqlRow } from '../storage/sql-db.js';
import { histogramPercentile, HISTOGRAM_BUCKETS } from '../storage/latency-histogram.js';
import { ROLLUP_COUNTERS, type RollupDimension } from '../storage/rollup-sql.js';
import { costOf, offsetOf, percentileCont, tokensOf, type Page, type PageCursor, type Percentiles, type TokenTotals } from './usage-common.js';
import { sourceSql, type DimensionFilters } from './usage-source.js';

/** Columns a summary may be grouped or filtered by, by their API name. */
export const GROUP_COLUMNS = {
  provider: 'provider',
  backend: 'backend',
  model: 'model',
  project: 'project',
  key: 'key_id',
  rule: 'rule',
  api: 'api',
} as const satisfies Record<string, RollupDimension>;

/** A group-by field name. */
export type GroupField = keyof typeof GROUP_COLUMNS;

/** Sort orders of a summary: by group key, or by a total, largest first. */
export const SUMMARY_ORDERS = { key: '', requests: 'requests', errors: 'errors', tokens: 'total_tokens', cost: 'cost_usd' } as const;

/** A summary sort order. */
export type SummaryOrder = keyof typeof SUMMARY_ORDERS;

/** Summaries over ranges of at most this many requests get exact percentiles. */
export const EXACT_PERCENTILE_LIMIT = 50_000;

/** A time range (ms since epoch, `from` inclusive, `to` exclusive) with filters. */
export interface UsageRange {
  readonly from: number;
  readonly to: number;
  /** Equality filters by API field name. */
  readonly filters?: Readonly<Partial<Record<GroupField, string>>>;
}

/** Totals of a set of requests. */
export interface UsageTotals {
  readonly requests: number;
  readonly errors: number;
  readonly tokens: TokenTotals;
  /** Sum over priced requests; null when none was priced. */
  readonly costUsd: number | null;
  readonly unpricedRequests: number;
  readonly ttftMs: Percentiles;
  readonly durationMs: Percentiles;
}

/** One group of a usage summary. */
export interface UsageGroup extends UsageTotals {
  readonly key: Readonly<Partial<Record<GroupField, string | null>>>;
}

/** A summary page, with how its percentiles were computed. */
export interface UsageSummaryPage extends Page<UsageGroup> {
  readonly percentiles: 'exact' | 'histogram';
}

const SUM_COUNTERS = ROLLUP_COUNTERS.map((c) => `SUM(${c}) AS ${c}`).join(', ');

function columnFilters(filters: UsageRange['filters']): DimensionFilters {
  const out: Partial<Record<RollupDimension, string>> = {};
  for (const [field, value] of Object.entries(filters ?? {})) {
    if (typeof value === 'string') out[GROUP_COLUMNS[field as GroupField]] = value;
  }
  return out;
}

function histogramPercentiles(r: SqlRow, prefix: 't' | 'd'): Percentiles {
  const counts = Array.from({ length: HISTOGRAM_BUCKETS }, (_, i) => num(r[`${prefix}${i}`]));
  return { p50: histogramPercentile(counts, 0.5), p95: histogramPercentile(counts, 0.95) };
}

function keyOf(r: SqlRow, groupBy: readonly GroupField[]): Partial<Record<GroupField, string | null>> {
  return Object.fromEntries(groupBy.map((g) => [g, (r[GROUP_COLUMNS[g]] as string | null | undefined) || null]));
}

function totalsOf(r: SqlRow): Omit<UsageTotals, 'ttftMs' | 'durationMs'> {
  const requests = num(r['requests']);
  return { requests, errors: num(r['errors']), tokens: tokensOf(r), costUsd: costOf(r), unpricedRequests: requests - num(r['priced']) };
}

/** Usage in a range, grouped by `groupBy` (one group overall when empty). */
export async function usageSummary(
  db: SqlDb,
  q: UsageRange & {
    readonly groupBy: readonly GroupField[];
    readonly orderBy?: SummaryOrder;
    readonly limit: number;
    readonly cursor?: PageCursor;
    /** Exact percentiles up to this many requests in the range (default {@link EXACT_PERCENTILE_LIMIT}). */
    readonly exactLimit?: number;
  },
): Promise<UsageSummaryPage> {
  const offset = offsetOf(q.cursor);
  const cols = q.groupBy.map((g) => GROUP_COLUMNS[g]);
  const filters = columnFilters(q.filters);
  const source = sourceSql(q.from, q.to, filters);
  const metric = SUMMARY_ORDERS[q.orderBy ?? 'key'];
  const order = [...(metric ? [`SUM(${metric}) DESC`] : []), ...cols].join(', ');
  const rows = await db.query(
    `SELECT ${cols.map((c) => `${c}, `).join('')}${SUM_COUNTERS}, SUM(SUM(requests)) OVER () AS all_requests
     FROM (${source.sql}) u${cols.length ? ` GROUP BY ${cols.join(', ')}` : ''}
     ${order ? `ORDER BY ${order}` : ''} LIMIT ? OFFSET ?`,
    [...source.params, q.limit + 1, offset],
  );
  const groups = rows.filter((r) => num(r['requests']) > 0);
  const more = groups.length > q.limit;
  const items = more ? groups.slice(0, q.limit) : groups;
  const allRequests = num(groups[0]?.['all_requests']);
  const exact = allRequests <= (q.exactLimit ?? EXACT_PERCENTILE_LIMIT) ? await exactPercentiles(db, q, cols, filters) : undefined;
  return {
    next: more ? [offset + q.limit] : undefined,
    percentiles: exact ? 'exact' : 'histogram',
    items: items.map((r) => {
      const p = exact?.get(JSON.stringify(cols.map((c) => r[c] ?? '')));
      return {
        key: keyOf(r, q.groupBy),
        ...totalsOf(r),
        ttftMs: p ? p.ttft : histogramPercentiles(r, 't'),
        durationMs: p ? p.duration : histogramPercentiles(r, 'd'),
      };
    }),
  };
}

/** Exact percentiles of every group in a range small enough to read row by row. */
async function exactPercentiles(
  db: SqlDb,
  q: UsageRange,
  cols: readonly string[],
  filters: DimensionFilters,
): Promise<Map<string, { ttft: Percentiles; duration: Percentiles }>> {
  const params: unknown[] = [q.from, q.to];
  const where = Object.entries(filters).map(([c, v]) => (params.push(v), ` AND ${c} = ?`)).join('');
  const rows = await db.query(
    `SELECT ${cols.map((c) => `COALESCE(${c}, '') AS ${c}, `).join('')}ttft_ms, duration_ms FROM ledger WHERE ts >= ? AND ts < ?${where}`,
    params,
  );
  const byGroup = new Map<string, { ttft: number[]; duration: number[] }>();
  for (const r of rows) {
    const k = JSON.stringify(cols.map((c) => r[c] ?? ''));
    let g = byGroup.get(k);
    if (!g) byGroup.set(k, (g = { ttft: [], duration: [] }));
    if (r['ttft_ms'] !== null && r['ttft_ms'] !== undefined) g.ttft.push(num(r['ttft_ms']));
    g.duration.push(num(r['duration_ms']));
  }
  const out = new Map<string, { ttft: Percentiles; duration: Percentiles }>();
  for (const [k, v] of byGroup) {
    out.set(k, {
      ttft: { p50: percentileCont(v.ttft, 0.5), p95: percentileCont(v.ttft, 0.95) },
      duration: { p50: percentileCont(v.duration, 0.5), p95: percentileCont(v.duration, 0.95) },
    });
  }
  return out;
}

/** Time series intervals, by name. */
export const INTERVALS = { hour: 3_600_000, day: 86_400_000 } as const;

/** A time series interval. */
export type Interval = keyof typeof INTERVALS;

/** One point of a time series: a group's totals in one interval. */
export interface UsagePoint extends UsageTotals {
  /** Start of the interval (ms since epoch, UTC-aligned). */
  readonly start: number;
  readonly key: Readonly<Partial<Record<GroupField, string | null>>>;
}

/** Most points one time series returns. */
export const MAX_POINTS = 10_000;

/**
 * Usage per interval (UTC hours or days) over `[from, to)` widened to whole intervals, by
 * `groupBy`; only intervals with requests appear. `truncated` when more than
 * {@link MAX_POINTS} points matched (the first ones by time are returned).
 */
export async function usageTimeseries(
  db: SqlDb,
  q: UsageRange & { readonly interval: Interval; readonly groupBy: readonly GroupField[] },
): Promise<{ from: number; to: number; points: UsagePoint[]; truncated: boolean }> {
  const step = INTERVALS[q.interval];
  const from = Math.floor(q.from / step) * step;
  const to = Math.ceil(q.to / step) * step;
  const cols = q.groupBy.map((g) => GROUP_COLUMNS[g]);
  const source = sourceSql(from, to, columnFilters(q.filters), step);
  const rows = await db.query(
    `SELECT at - at % ${step} AS start, ${cols.map((c) => `${c}, `).join('')}${SUM_COUNTERS}
     FROM (${source.sql}) u GROUP BY at - at % ${step}${cols.map((c) => `, ${c}`).join('')}
     ORDER BY start${cols.map((c) => `, ${c}`).join('')} LIMIT ?`,
    [...source.params, MAX_POINTS + 1],
  );
  const truncated = rows.length > MAX_POINTS;
  return {
    from,
    to,
    truncated,
    points: rows.slice(0, MAX_POINTS).filter((r) => num(r['requests']) > 0).map((r) => ({
      start: num(r['start']),
      key: keyOf(r, q.groupBy),
      ...totalsOf(r),
      ttftMs: histogramPercentiles(r, 't'),
      durationMs: histogramPercentiles(r, 'd'),
    })),
  };
}
