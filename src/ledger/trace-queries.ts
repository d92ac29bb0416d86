/**
 * Traces (sessions) for the admin API: the traces active in a range with their totals, read
 * from `ledger_traces` through its `(last_ts, trace_id)` index, and one trace's requests through
 * the ledger's `(trace_id, ts, request_id)` index. Both page with keyset cursors (the last row's
 * sort key), so a deep page costs what the first does.
 */
import { num, numOrNull, type SqlDb, type SqlRow } from '../storage/sql-db.js';
import { TRACE_COUNTERS } from '../storage/rollup-sql.js';
import { costOf, keysetOf, tokensOf, type Page, type PageCursor, type TokenTotals } from './usage-common.js';

/** One trace (session) with its totals over all its requests. */
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

const TRACE_COLUMNS = `trace_id, first_ts, last_ts, ${TRACE_COUNTERS.join(', ')}, project_min, project_max`;

function toTrace(r: SqlRow): TraceSummary {
  const projects = [...new Set([r['project_min'], r['project_max']].filter((p): p is string => typeof p === 'string'))];
  return {
    traceId: String(r['trace_id']),
    requests: num(r['requests']),
    errors: num(r['errors']),
    firstAt: num(r['first_ts']),
    lastAt: num(r['last_ts']),
    tokens: tokensOf(r),
    costUsd: costOf(r),
    projects,
  };
}

/**
 * Traces whose latest request falls in `[from, to)`, most recently active first (ties by trace id,
 * descending, so the index serves the order).
 */
export async function listTraces(db: SqlDb, q: { readonly from: number; readonly to: number; readonly limit: number; readonly cursor?: PageCursor }): Promise<Page<TraceSummary>> {
  const after = keysetOf(q.cursor);
  const params: unknown[] = [q.from, q.to];
  let page = '';
  if (after) {
    page = ' AND (last_ts < ? OR (last_ts = ? AND trace_id < ?))';
    params.push(after.at, after.at, after.id);
  }
  const rows = await db.query(
    `SELECT ${TRACE_COLUMNS} FROM ledger_traces WHERE last_ts >= ? AND last_ts < ?${page} ORDER BY last_ts DESC, trace_id DESC LIMIT ?`,
    [...params, q.limit + 1],
  );
  const more = rows.length > q.limit;
  const items = (more ? rows.slice(0, q.limit) : rows).map(toTrace);
  const last = items.at(-1);
  return { items, next: more && last ? [last.lastAt, last.traceId] : undefined };
}

/** One ledger row as the admin API shows it. */
export type LedgerRow = Record<string, string | number | boolean | null>;

const CAMEL: Record<string, string> = {
  request_id: 'requestId',
  trace_id: 'traceId',
  response_id: 'responseId',
  key_id: 'keyId',
  response_model: 'responseModel',
  sent_model: 'sentModel',
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
const TEXT = new Set(['request_id', 'trace_id', 'response_id', 'project', 'key_id', 'rule', 'backend', 'provider', 'api', 'model', 'response_model', 'sent_model', 'error_type']);

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
export async function getTrace(
  db: SqlDb,
  traceId: string,
  p: { readonly limit: number; readonly cursor?: PageCursor },
): Promise<{ trace: TraceSummary; requests: Page<LedgerRow> } | undefined> {
  const totals = await db.query(`SELECT ${TRACE_COLUMNS} FROM ledger_traces WHERE trace_id = ?`, [traceId]);
  if (!totals[0]) return undefined;
  const after = keysetOf(p.cursor);
  const params: unknown[] = [traceId];
  let page = '';
  if (after) {
    page = ' AND (ts > ? OR (ts = ? AND request_id > ?))';
    params.push(after.at, after.at, after.id);
  }
  const rows = await db.query(`SELECT * FROM ledger WHERE trace_id = ?${page} ORDER BY ts, request_id LIMIT ?`, [...params, p.limit + 1]);
  const more = rows.length > p.limit;
  const kept = more ? rows.slice(0, p.limit) : rows;
  const last = kept.at(-1);
  return {
    trace: toTrace(totals[0]),
    requests: { items: kept.map(toRow), next: more && last ? [num(last['ts']), String(last['request_id'])] : undefined },
  };
}
