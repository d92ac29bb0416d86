/**
 * Adds newly inserted ledger records to the rollups (`ledger_hourly`, `ledger_daily`,
 * `ledger_traces`), inside the transaction that inserted them: records are first summed per
 * rollup row in memory, then each row is upserted once, adding to what is there, so replicas
 * writing the same hour at once both count (the database serialises the row updates). Rows are
 * upserted in key order, so two replicas' transactions lock shared rows in the same order and
 * cannot deadlock on them.
 */
import type { SqlExecutor } from '../storage/sql-db.js';
import { bucketOf } from '../storage/latency-histogram.js';
import type { LedgerRecord } from './ledger-record.js';
import { ROLLUP_COUNTERS, ROLLUP_DIMENSIONS, ROLLUPS, TRACE_COUNTERS } from '../storage/rollup-sql.js';

/** Rows per upsert statement (each carries its dimensions as parameters). */
const CHUNK = 200;
/** Offsets of the first TTFT and duration bucket among the counters. */
const TTFT_AT = ROLLUP_COUNTERS.indexOf('t0');
const DURATION_AT = ROLLUP_COUNTERS.indexOf('d0');

/** A record's contribution to every counter, in {@link ROLLUP_COUNTERS} order. */
export function recordCounters(r: LedgerRecord): number[] {
  const c = new Array<number>(ROLLUP_COUNTERS.length).fill(0);
  c[0] = 1;
  c[1] = r.errorType === null ? 0 : 1;
  c[2] = r.inputTokens ?? 0;
  c[3] = r.cachedInputTokens ?? 0;
  c[4] = r.cacheWriteTokens ?? 0;
  c[5] = r.outputTokens ?? 0;
  c[6] = r.reasoningTokens ?? 0;
  c[7] = r.totalTokens ?? 0;
  c[8] = r.costUsd ?? 0;
  c[9] = r.costUsd === null ? 0 : 1;
  if (r.ttftMs !== null) c[TTFT_AT + bucketOf(r.ttftMs)]! += 1;
  c[DURATION_AT + bucketOf(r.durationMs)]! += 1;
  return c;
}

/** A record's dimension values, in {@link ROLLUP_DIMENSIONS} order (`''` for missing). */
export function recordDimensions(r: LedgerRecord): string[] {
  return [r.provider, r.backend, r.requestModel, r.project, r.keyId, r.rule, r.api].map((v) => v ?? '');
}

function addInto(into: number[], from: readonly number[]): void {
  for (let i = 0; i < from.length; i++) into[i]! += from[i]!;
}

/** A number as an SQL literal (counters are our own sums, never user text). */
function lit(n: number): string {
  return Number.isFinite(n) ? String(n) : '0';
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** Adds `records` (already inserted into `ledger`, each once) to every rollup. */
export async function addToRollups(tx: SqlExecutor, dialect: 'sqlite' | 'postgres', records: readonly LedgerRecord[]): Promise<void> {
  if (records.length === 0) return;
  const counters = records.map(recordCounters);
  const dims = records.map(recordDimensions);
  const key = ['bucket', ...ROLLUP_DIMENSIONS].join(', ');
  const set = ROLLUP_COUNTERS.map((c) => `${c} = %T.${c} + excluded.${c}`).join(', ');
  for (const rollup of ROLLUPS) {
    const rows = new Map<string, { bucket: number; dims: string[]; counters: number[] }>();
    records.forEach((r, i) => {
      const bucket = r.ts - (r.ts % rollup.period);
      const k = JSON.stringify([bucket, dims[i]]);
      const row = rows.get(k);
      if (row) addInto(row.counters, counters[i]!);
      else rows.set(k, { bucket, dims: dims[i]!, counters: [...counters[i]!] });
    });
    const ordered = [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
    for (const chunk of chunks(ordered)) {
      const params: unknown[] = [];
      const values = chunk.map((row) => {
        params.push(row.bucket, ...row.dims);
        return `(${['?', ...row.dims.map(() => '?'), ...row.counters.map(lit)].join(', ')})`;
      });
      await tx.run(
        `INSERT INTO ${rollup.table} (${key}, ${ROLLUP_COUNTERS.join(', ')}) VALUES ${values.join(', ')}
         ON CONFLICT (${key}) DO UPDATE SET ${set.replaceAll('%T', rollup.table)}`,
        params,
      );
    }
  }
  await addToTraces(tx, dialect, records, counters);
}

async function addToTraces(tx: SqlExecutor, dialect: 'sqlite' | 'postgres', records: readonly LedgerRecord[], counters: readonly number[][]): Promise<void> {
  const traces = new Map<string, { first: number; last: number; counters: number[]; projects: string[] }>();
  records.forEach((r, i) => {
    if (r.traceId === null) return;
    const own = counters[i]!.slice(0, TRACE_COUNTERS.length);
    const t = traces.get(r.traceId);
    if (!t) {
      traces.set(r.traceId, { first: r.ts, last: r.ts, counters: own, projects: r.project === null ? [] : [r.project] });
      return;
    }
    t.first = Math.min(t.first, r.ts);
    t.last = Math.max(t.last, r.ts);
    addInto(t.counters, own);
    if (r.project !== null) t.projects.push(r.project);
  });
  if (traces.size === 0) return;
  const least = dialect === 'postgres' ? 'LEAST' : 'MIN';
  const greatest = dialect === 'postgres' ? 'GREATEST' : 'MAX';
  const keepOr = (fn: string, col: string): string => `${fn}(COALESCE(ledger_traces.${col}, excluded.${col}), COALESCE(excluded.${col}, ledger_traces.${col}))`;
  const ordered = [...traces.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const chunk of chunks(ordered)) {
    const params: unknown[] = [];
    const values = chunk.map(([id, t]) => {
      const sorted = [...t.projects].sort();
      params.push(id, t.first, t.last, sorted[0] ?? null, sorted.at(-1) ?? null);
      return `(?, ?, ?, ${t.counters.map(lit).join(', ')}, ?, ?)`;
    });
    await tx.run(
      `INSERT INTO ledger_traces (trace_id, first_ts, last_ts, ${TRACE_COUNTERS.join(', ')}, project_min, project_max) VALUES ${values.join(', ')}
       ON CONFLICT (trace_id) DO UPDATE SET
         first_ts = ${least}(ledger_traces.first_ts, excluded.first_ts), last_ts = ${greatest}(ledger_traces.last_ts, excluded.last_ts),
         ${TRACE_COUNTERS.map((c) => `${c} = ledger_traces.${c} + excluded.${c}`).join(', ')},
         project_min = ${keepOr(least, 'project_min')}, project_max = ${keepOr(greatest, 'project_max')}`,
      params,
    );
  }
}
