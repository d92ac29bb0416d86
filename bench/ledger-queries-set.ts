/**
 * The admin queries the ledger benchmark times, each through the function the admin API calls
 * (src/ledger/usage-queries.ts, trace-queries.ts), most with a baseline: the same answer
 * computed straight from the raw `ledger` table with a plain GROUP BY, as the usage queries did
 * before the rollups. Ranges end at {@link LEDGER_END}, the end of the generated traffic (not on
 * an hour boundary, as `to = now` never is).
 */
import type { SqlDb, SqlRow } from '../src/storage/sql-db.js';
import { getTrace, listTraces } from '../src/ledger/trace-queries.js';
import type { PageCursor } from '../src/ledger/usage-common.js';
import { GROUP_COLUMNS, INTERVALS, usageSummary, usageTimeseries, type GroupField, type Interval, type SummaryOrder, type UsageRange } from '../src/ledger/usage-queries.js';
import { LEDGER_END } from './ledger-data.js';

/** A statement of a baseline. */
export interface Statement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** One timed query. */
export interface LedgerQuery {
  readonly name: string;
  /** Runs the admin API's function; resolves with its answer. */
  run(db: SqlDb): Promise<unknown>;
  /** The pre-rollup way to the same answer, from raw rows. */
  readonly raw?: readonly Statement[];
  /** Compares the answer with the baseline's last statement's rows: a mismatch's description, or undefined. */
  check?(answer: unknown, rawRows: readonly SqlRow[]): string | undefined;
}

/** What the query set needs to know about the data. */
export interface QueryContext {
  /** A trace with several requests in the last hour. */
  readonly traceId: string;
  /** The project of the filtered summaries. */
  readonly project: string;
  /** The cursor of the trace list page after the first 10,000 traces of the last 30 days (undefined: fewer traces). */
  readonly deepCursor: PageCursor | undefined;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The ranges, by label. */
export const RANGES: ReadonlyArray<readonly [string, number]> = [
  ['1 h', HOUR],
  ['24 h', DAY],
  ['7 d', 7 * DAY],
  ['30 d', 30 * DAY],
  ['90 d', 90 * DAY],
];

const PAGE = 100;
/** How deep the deep trace page is. */
export const DEEP_TRACES = 10_000;

const RAW_TOTALS = `COUNT(*) AS requests, SUM(CASE WHEN error_type IS NULL THEN 0 ELSE 1 END) AS errors,
  SUM(input_tokens) AS input_tokens, SUM(cached_input_tokens) AS cached_input_tokens, SUM(cache_write_tokens) AS cache_write_tokens,
  SUM(output_tokens) AS output_tokens, SUM(reasoning_tokens) AS reasoning_tokens, SUM(total_tokens) AS total_tokens,
  SUM(cost_usd) AS cost_usd, COUNT(cost_usd) AS priced`;

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 + 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

interface Totals {
  readonly requests: number;
  readonly tokens: { readonly total: number };
  readonly costUsd: number | null;
}

/** Compares answer items (key → totals) with raw rows grouped by `cols`, on the page's keys. */
function compareGroups(
  items: ReadonlyArray<Totals & { key: Readonly<Record<string, string | null | undefined>> }>,
  rows: readonly SqlRow[],
  fields: readonly GroupField[],
  expected: number,
  extraKey?: (r: SqlRow) => string,
): string | undefined {
  const keyOfRow = (r: SqlRow): string => JSON.stringify([extraKey?.(r) ?? '', ...fields.map((f) => (r[GROUP_COLUMNS[f]] as string | null) || null)]);
  const raw = new Map(rows.map((r) => [keyOfRow(r), r]));
  for (const item of items) {
    const k = JSON.stringify([(item as { start?: number }).start?.toString() ?? '', ...fields.map((f) => item.key[f] ?? null)]);
    const r = raw.get(k);
    if (!r) return `group ${k} missing from the raw rows`;
    if (n(r['requests']) !== item.requests) return `group ${k}: ${item.requests} requests, raw ${n(r['requests'])}`;
    if (n(r['total_tokens']) !== item.tokens.total) return `group ${k}: ${item.tokens.total} tokens, raw ${n(r['total_tokens'])}`;
    if (!close(n(r['cost_usd']), item.costUsd ?? 0)) return `group ${k}: cost ${item.costUsd}, raw ${n(r['cost_usd'])}`;
  }
  if (items.length !== expected) return `${items.length} groups, raw ${rows.length}`;
  return undefined;
}

function summary(label: string, span: number, groupBy: GroupField[], opts: { filters?: UsageRange['filters']; orderBy?: SummaryOrder } = {}): LedgerQuery {
  const from = LEDGER_END - span;
  const to = LEDGER_END;
  const cols = groupBy.map((g) => GROUP_COLUMNS[g]);
  const filterEntries = Object.entries(opts.filters ?? {}) as Array<[GroupField, string]>;
  const where = filterEntries.map(([f]) => ` AND ${GROUP_COLUMNS[f]} = ?`).join('');
  const order = opts.orderBy === 'cost' ? 'ORDER BY SUM(cost_usd) DESC' : cols.length ? `ORDER BY ${cols.map((c) => `${c} NULLS FIRST`).join(', ')}` : '';
  const by = groupBy.length ? `by ${groupBy.join('+')}` : 'overall';
  const filtered = filterEntries.length ? `, ${filterEntries.map(([f, v]) => `${f}=${v}`).join(', ')}` : '';
  return {
    name: `summary ${by}${filtered}${opts.orderBy ? `, orderBy ${opts.orderBy}` : ''}, ${label}`,
    run: (db) => usageSummary(db, { from, to, groupBy, limit: PAGE, ...(opts.filters ? { filters: opts.filters } : {}), ...(opts.orderBy ? { orderBy: opts.orderBy } : {}) }),
    raw: [
      {
        sql: `SELECT ${cols.map((c) => `${c}, `).join('')}${RAW_TOTALS} FROM ledger WHERE ts >= ? AND ts < ?${where}${cols.length ? ` GROUP BY ${cols.join(', ')}` : ''} ${order} LIMIT ${PAGE + 1}`,
        params: [from, to, ...filterEntries.map(([, v]) => v)],
      },
    ],
    check: (answer, rows) => {
      const groups = rows.filter((r) => n(r['requests']) > 0);
      return compareGroups((answer as { items: Array<Totals & { key: Record<string, string | null> }> }).items, groups, groupBy, Math.min(groups.length, PAGE));
    },
  };
}

function timeseries(label: string, span: number, interval: Interval, groupBy: GroupField[]): LedgerQuery {
  const step = INTERVALS[interval];
  const from = LEDGER_END - span;
  const to = LEDGER_END;
  const cols = groupBy.map((g) => GROUP_COLUMNS[g]);
  // The function widens the range to whole intervals; so does the baseline.
  const wideFrom = Math.floor(from / step) * step;
  const wideTo = Math.ceil(to / step) * step;
  return {
    name: `timeseries ${interval === 'day' ? 'daily' : 'hourly'} by ${groupBy.join('+')}, ${label}`,
    run: (db) => usageTimeseries(db, { from, to, interval, groupBy }),
    raw: [
      {
        sql: `SELECT ts - ts % ${step} AS start, ${cols.map((c) => `${c}, `).join('')}${RAW_TOTALS} FROM ledger WHERE ts >= ? AND ts < ?
              GROUP BY ts - ts % ${step}${cols.map((c) => `, ${c}`).join('')} ORDER BY start${cols.map((c) => `, ${c}`).join('')}`,
        params: [wideFrom, wideTo],
      },
    ],
    check: (answer, rows) => {
      const points = (answer as { points: Array<Totals & { start: number; key: Record<string, string | null> }> }).points;
      return compareGroups(points, rows, groupBy, rows.length, (r) => String(n(r['start'])));
    },
  };
}

function traces(label: string, span: number, cursor?: PageCursor): LedgerQuery {
  const from = LEDGER_END - span;
  const to = LEDGER_END;
  return {
    name: `traces list${cursor ? `, page after ${DEEP_TRACES.toLocaleString('en-US')}` : ''}, ${label}`,
    run: (db) => listTraces(db, { from, to, limit: PAGE, ...(cursor ? { cursor } : {}) }),
    // Before the rollups: traces with a request in the range, grouped from raw rows, offset paging.
    raw: [
      {
        sql: `SELECT trace_id, ${RAW_TOTALS}, MIN(ts) AS first_ts, MAX(ts) AS last_ts, MIN(project) AS project_min, MAX(project) AS project_max
              FROM ledger WHERE ts >= ? AND ts < ? AND trace_id IS NOT NULL
              GROUP BY trace_id ORDER BY MAX(ts) DESC, trace_id DESC LIMIT ${PAGE + 1} OFFSET ${cursor ? DEEP_TRACES : 0}`,
        params: [from, to],
      },
    ],
  };
}

function oneTrace(traceId: string): LedgerQuery {
  return {
    name: "one trace's requests",
    run: (db) => getTrace(db, traceId, { limit: PAGE }),
    raw: [
      { sql: `SELECT trace_id, ${RAW_TOTALS}, MIN(ts) AS first_ts, MAX(ts) AS last_ts FROM ledger WHERE trace_id = ? GROUP BY trace_id`, params: [traceId] },
      { sql: `SELECT * FROM ledger WHERE trace_id = ? ORDER BY ts, request_id LIMIT ${PAGE + 1}`, params: [traceId] },
    ],
    check: (answer, rows) => {
      const a = answer as { trace: { requests: number }; requests: { items: unknown[] } } | undefined;
      if (!a) return 'trace not found';
      return a.requests.items.length === Math.min(rows.length, PAGE) ? undefined : `${a.requests.items.length} requests, raw ${rows.length}`;
    },
  };
}

/** The timed queries, in report order. */
export function ledgerQueries(ctx: QueryContext): LedgerQuery[] {
  const out: LedgerQuery[] = [];
  for (const groupBy of [[], ['model'], ['project', 'model']] as GroupField[][]) {
    for (const [label, span] of RANGES) out.push(summary(label, span, groupBy));
  }
  for (const [label, span] of RANGES) out.push(summary(label, span, ['model'], { filters: { project: ctx.project } }));
  for (const [label, span] of RANGES.filter(([l]) => l === '30 d' || l === '90 d')) out.push(summary(label, span, ['key'], { orderBy: 'cost' }));
  out.push(timeseries('24 h', DAY, 'hour', ['model']), timeseries('7 d', 7 * DAY, 'hour', ['model']), timeseries('90 d', 90 * DAY, 'day', ['model']));
  for (const [label, span] of RANGES.filter(([l]) => l === '1 h' || l === '24 h' || l === '30 d')) out.push(traces(label, span));
  // A small ledger may hold fewer traces than the deep page needs: no deep page then.
  if (ctx.deepCursor) out.push(traces('30 d', 30 * DAY, ctx.deepCursor));
  out.push(oneTrace(ctx.traceId));
  return out;
}

/** Finds the context: a busy trace of the last hour, a mid-sized project, the deep page's cursor (walked, not timed). */
export async function queryContext(db: SqlDb): Promise<QueryContext> {
  const t = await db.query('SELECT trace_id, COUNT(*) AS c FROM ledger WHERE ts >= ? AND ts < ? GROUP BY trace_id ORDER BY c DESC, trace_id LIMIT 1', [LEDGER_END - HOUR, LEDGER_END]);
  let cursor: PageCursor | undefined;
  let walked = 0;
  while (walked < DEEP_TRACES) {
    const page = await listTraces(db, { from: LEDGER_END - 30 * DAY, to: LEDGER_END, limit: 1000, ...(cursor ? { cursor } : {}) });
    walked += page.items.length;
    cursor = page.next;
    if (!cursor) break;
  }
  return { traceId: String(t[0]?.['trace_id'] ?? ''), project: 'team-07', deepCursor: cursor };
}
