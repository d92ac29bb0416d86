/**
 * Read-side of the ledger for the admin API: usage summaries grouped by provider, model,
 * project, key or rule; traces (sessions) with their totals; one trace's requests. Pages are
 * `limit` rows with an opaque `cursor` (an offset over a stable order).
 *
 * Percentiles (p50, p95 of TTFT and duration) are continuous percentiles (linear
 * interpolation between the closest ranks, as PostgreSQL's `percentile_cont`): computed in SQL
 * on PostgreSQL, and in JS over the page's groups' rows on SQLite, which has no percentile
 * function.
 */
import type { SqlDb, SqlRow } from '../access/sql-db.js';

/** Columns a summary may be grouped by, by their API name. */
export const GROUP_COLUMNS = {
  provider: 'provider',
  backend: 'backend',
  model: 'model',
  project: 'project',
  key: 'key_id',
  rule: 'rule',
  api: 'api',
} as const;

/** A group-by field name. */
export type GroupField = keyof typeof GROUP_COLUMNS;

/** A time range (ms since epoch, `from` inclusive, `to` exclusive) and a page. */
export interface RangePage {
  readonly from: number;
  readonly to: number;
  readonly limit: number;
  readonly offset: number;
}

/** Two percentiles of one measure. */
export interface Percentiles {
  readonly p50: number | null;
  readonly p95: number | null;
}

/** Token totals by kind. */
export interface TokenTotals {
  readonly input: number;
  readonly cachedInput: number;
  readonly cacheWrite: number;
  readonly output: number;
  readonly reasoning: number;
  readonly total: number;
}

/** One group of a usage summary. */
export interface UsageGroup {
  readonly key: Readonly<Partial<Record<GroupField, string | null>>>;
  readonly requests: number;
  readonly errors: number;
  readonly tokens: TokenTotals;
  /** Sum over priced requests; null when none was priced. */
  readonly costUsd: number | null;
  readonly unpricedRequests: number;
  readonly ttftMs: Percentiles;
  readonly durationMs: Percentiles;
}

/** A page of results. */
export interface Page<T> {
  readonly items: T[];
  /** Offset of the next page, when there is one. */
  readonly nextOffset: number | undefined;
}

const TOTALS = `COUNT(*) AS requests,
  SUM(CASE WHEN error_type IS NULL THEN 0 ELSE 1 END) AS errors,
  SUM(input_tokens) AS input_tokens, SUM(cached_input_tokens) AS cached_input_tokens,
  SUM(cache_write_tokens) AS cache_write_tokens, SUM(output_tokens) AS output_tokens,
  SUM(reasoning_tokens) AS reasoning_tokens, SUM(total_tokens) AS total_tokens,
  SUM(cost_usd) AS cost_usd, COUNT(cost_usd) AS priced`;

const PG_PERCENTILES = `,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY ttft_ms) AS ttft_p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY ttft_ms) AS ttft_p95,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS duration_p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS duration_p95`;

function num(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}

function tokens(r: SqlRow): TokenTotals {
  return {
    input: num(r['input_tokens']),
    cachedInput: num(r['cached_input_tokens']),
    cacheWrite: num(r['cache_write_tokens']),
    output: num(r['output_tokens']),
    reasoning: num(r['reasoning_tokens']),
    total: num(r['total_tokens']),
  };
}

/** The continuous percentile `p` (0..1) of `values` (percentile_cont); null when empty. */
export function percentileCont(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function page<T>(rows: T[], q: RangePage): Page<T> {
  const more = rows.length > q.limit;
  return { items: more ? rows.slice(0, q.limit) : rows, nextOffset: more ? q.offset + q.limit : undefined };
}

/** Usage in a range, grouped by `groupBy` (one group overall when empty). */
export async function usageSummary(db: SqlDb, q: RangePage & { readonly groupBy: readonly GroupField[] }): Promise<Page<UsageGroup>> {
  const cols = q.groupBy.map((g) => GROUP_COLUMNS[g]);
  const pg = db.dialect === 'postgres';
  const select = cols.length ? `${cols.join(', ')}, ` : '';
  const group = cols.length ? ` GROUP BY ${cols.join(', ')} ORDER BY ${cols.map((c) => `${c} NULLS FIRST`).join(', ')}` : '';
  const rows = await db.query(
    `SELECT ${select}${TOTALS}${pg ? PG_PERCENTILES : ''} FROM ledger WHERE ts >= ? AND ts < ?${group} LIMIT ? OFFSET ?`,
    [q.from, q.to, q.limit + 1, q.offset],
  );
  const result = page(rows.filter((r) => num(r['requests']) > 0), q);
  const percentiles = pg ? undefined : await sqlitePercentiles(db, q, cols, result.items);
  return {
    nextOffset: result.nextOffset,
    items: result.items.map((r, i) => {
      const requests = num(r['requests']);
      const priced = num(r['priced']);
      const p = percentiles?.[i];
      return {
        key: Object.fromEntries(q.groupBy.map((g) => [g, (r[GROUP_COLUMNS[g]] as string | null | undefined) ?? null])),
        requests,
        errors: num(r['errors']),
        tokens: tokens(r),
        costUsd: priced > 0 ? num(r['cost_usd']) : null,
        unpricedRequests: requests - priced,
        ttftMs: p ? p.ttft : { p50: numOrNull(r['ttft_p50']), p95: numOrNull(r['ttft_p95']) },
        durationMs: p ? p.duration : { p50: numOrNull(r['duration_p50']), p95: numOrNull(r['duration_p95']) },
      };
    }),
  };
}

/** SQLite: the percentiles of each group on the page, from the rows of those groups. */
async function sqlitePercentiles(db: SqlDb, q: RangePage, cols: readonly string[], groups: readonly SqlRow[]): Promise<Array<{ ttft: Percentiles; duration: Percentiles }>> {
  if (groups.length === 0) return [];
  const params: unknown[] = [q.from, q.to];
  let where = '';
  if (cols.length) {
    where = ` AND (${groups.map((g) => `(${cols.map((c) => (params.push(g[c] ?? null), `${c} IS ?`)).join(' AND ')})`).join(' OR ')})`;
  }
  const rows = await db.query(`SELECT ${cols.length ? `${cols.join(', ')}, ` : ''}ttft_ms, duration_ms FROM ledger WHERE ts >= ? AND ts < ?${where}`, params);
  const keyOf = (r: SqlRow): string => JSON.stringify(cols.map((c) => r[c] ?? null));
  const byGroup = new Map<string, { ttft: number[]; duration: number[] }>();
  for (const r of rows) {
    const k = keyOf(r);
    let g = byGroup.get(k);
    if (!g) byGroup.set(k, (g = { ttft: [], duration: [] }));
    if (r['ttft_ms'] !== null && r['ttft_ms'] !== undefined) g.ttft.push(num(r['ttft_ms']));
    g.duration.push(num(r['duration_ms']));
  }
  return groups.map((g) => {
    const v = byGroup.get(keyOf(g)) ?? { ttft: [], duration: [] };
    return {
      ttft: { p50: percentileCont(v.ttft, 0.5), p95: percentileCont(v.ttft, 0.95) },
      duration: { p50: percentileCont(v.duration, 0.5), p95: percentileCont(v.duration, 0.95) },
    };
  });
}

/** One trace (session) with its totals. */
export interface TraceSummary {
  readonly traceId: string;
  readonly requests: number;
  readonly errors: number;
  readonly firstAt: number;
  readonly lastAt: number;
  readonly tokens: TokenTotals;
  readonly costUsd: number | null;
  readonly projects: string[];
}

/** Traces with a request in the range, most recent first. */
export async function listTraces(db: SqlDb, q: RangePage): Promise<Page<TraceSummary>> {
  const rows = await db.query(
    `SELECT trace_id, ${TOTALS}, MIN(ts) AS first_ts, MAX(ts) AS last_ts, MIN(project) AS project_min, MAX(project) AS project_max
     FROM ledger WHERE ts >= ? AND ts < ? AND trace_id IS NOT NULL
     GROUP BY trace_id ORDER BY MAX(ts) DESC, trace_id LIMIT ? OFFSET ?`,
    [q.from, q.to, q.limit + 1, q.offset],
  );
  const result = page(rows, q);
  return { nextOffset: result.nextOffset, items: result.items.map(toTrace) };
}

function toTrace(r: SqlRow): TraceSummary {
  const projects = [...new Set([r['project_min'], r['project_max']].filter((p): p is string => typeof p === 'string'))];
  return {
    traceId: String(r['trace_id']),
    requests: num(r['requests']),
    errors: num(r['errors']),
    firstAt: num(r['first_ts']),
    lastAt: num(r['last_ts']),
    tokens: tokens(r),
    costUsd: num(r['priced']) > 0 ? num(r['cost_usd']) : null,
    projects,
  };
}

/** One ledger row as the admin API shows it. */
export type LedgerRow = Record<string, string | number | boolean | null>;

const CAMEL: Record<string, string> = {
  request_id: 'requestId',
  trace_id: 'traceId',
  response_id: 'responseId',
  key_id: 'keyId',
  response_model: 'responseModel',
  error_type: 'errorType',
  input_tokens: 'inputTokens',
  cached_input_tokens: 'cachedInputTokens',
  cache_write_tokens: 'cacheWriteTokens',
  output_tokens: 'outputTokens',
  reasoning_tokens: 'reasoningTokens',
  total_tokens: 'totalTokens',
  duration_ms: 'durationMs',
  ttft_ms: 'ttftMs',
  cost_usd: 'costUsd',
};
const TEXT = new Set(['request_id', 'trace_id', 'response_id', 'project', 'key_id', 'rule', 'backend', 'provider', 'api', 'model', 'response_model', 'error_type']);

function toRow(r: SqlRow): LedgerRow {
  const out: LedgerRow = {};
  for (const [k, v] of Object.entries(r)) {
    const name = CAMEL[k] ?? k;
    if (k === 'stream') out[name] = num(v) !== 0;
    else if (k === 'ts') out['at'] = new Date(num(v)).toISOString();
    else if (TEXT.has(k)) out[name] = v === null || v === undefined ? null : String(v);
    else out[name] = numOrNull(v);
  }
  return out;
}

/** A trace's totals and a page of its requests, oldest first; undefined when unknown. */
export async function getTrace(db: SqlDb, traceId: string, p: { limit: number; offset: number }): Promise<{ trace: TraceSummary; requests: Page<LedgerRow> } | undefined> {
  const totals = await db.query(
    `SELECT trace_id, ${TOTALS}, MIN(ts) AS first_ts, MAX(ts) AS last_ts, MIN(project) AS project_min, MAX(project) AS project_max FROM ledger WHERE trace_id = ? GROUP BY trace_id`,
    [traceId],
  );
  if (!totals[0]) return undefined;
  const rows = await db.query('SELECT * FROM ledger WHERE trace_id = ? ORDER BY ts, request_id LIMIT ? OFFSET ?', [traceId, p.limit + 1, p.offset]);
  const result = page(rows, { ...p, from: 0, to: 0 });
  return { trace: toTrace(totals[0]), requests: { nextOffset: result.nextOffset, items: result.items.map(toRow) } };
}
