/**
 * Child process of the ledger benchmark: opens one store as the service does
 * (`openSqliteDb` / `openPostgresDb`, default heap), then times the queries from index `start`
 * on, reporting each over IPC before the next starts. A query that kills the process (a heap
 * running out reading millions of rows) so costs only its own row: the parent records it and
 * starts a new child after it.
 *
 * Argument: JSON {@link QueryJob}.
 */
import type { SqlDb, SqlRow } from '../src/storage/sql-db.js';
import { openPostgresDb } from '../src/access/postgres-store.js';
import { openSqliteDb } from '../src/access/sqlite-store.js';
import { explain, recording, type PlanCheck } from './ledger-explain.js';
import { ledgerQueries, type QueryContext, type Statement } from './ledger-queries-set.js';
import type { StoreKind } from './ledger-store-types.js';
import { median } from './stats.js';

/** What a child is asked to do. */
export interface QueryJob {
  readonly kind: StoreKind;
  readonly location: string;
  readonly ctx: QueryContext;
  readonly runs: number;
  /** First query (index into {@link ledgerQueries}) to time. */
  readonly start: number;
  /** A warm-up slower than this is followed by one timed run instead of `runs`. */
  readonly slowMs: number;
}

/** Timings of one side (the function, or its raw baseline). */
export interface Timing {
  readonly medianMs: number;
  readonly maxMs: number;
  readonly runs: number;
  readonly plans: PlanCheck[];
}

/** One query's measurements. */
export interface QueryResult {
  readonly name: string;
  readonly fn?: Timing;
  readonly raw?: Timing;
  /** `ok`, a mismatch, or `-` (not compared). */
  readonly check: string;
  readonly error?: string;
}

/** Messages to the parent. */
export type QueryMessage = { type: 'start'; index: number } | { type: 'result'; index: number; result: QueryResult } | { type: 'done' };

async function time<T>(runs: number, slowMs: number, once: () => Promise<T>): Promise<{ ms: number[]; last: T }> {
  let t = performance.now();
  let last = await once();
  const warm = performance.now() - t;
  const ms: number[] = [];
  for (let i = 0; i < (warm > slowMs ? 1 : runs); i++) {
    t = performance.now();
    last = await once();
    ms.push(performance.now() - t);
  }
  return { ms, last };
}

function timing(ms: number[], plans: PlanCheck[]): Timing {
  return { medianMs: median(ms), maxMs: Math.max(...ms), runs: ms.length, plans };
}

async function runRaw(db: SqlDb, statements: readonly Statement[]): Promise<SqlRow[]> {
  let rows: SqlRow[] = [];
  for (const st of statements) rows = await db.query(st.sql, st.params);
  return rows;
}

async function measure(db: SqlDb, job: QueryJob, index: number): Promise<QueryResult> {
  const q = ledgerQueries(job.ctx)[index]!;
  try {
    const recorded: Statement[] = [];
    await q.run(recording(db, recorded));
    const fn = await time(job.runs, job.slowMs, () => q.run(db));
    const fnPlans = await Promise.all(recorded.map((st) => explain(db, st)));
    if (!q.raw) return { name: q.name, fn: timing(fn.ms, fnPlans), check: '-' };
    const raw = await time(job.runs, job.slowMs, () => runRaw(db, q.raw!));
    const rawPlans = await Promise.all(q.raw.map((st) => explain(db, st)));
    const check = q.check ? (q.check(fn.last, raw.last) ?? 'ok') : '-';
    return { name: q.name, fn: timing(fn.ms, fnPlans), raw: timing(raw.ms, rawPlans), check };
  } catch (err) {
    return { name: q.name, check: '-', error: (err as Error).message };
  }
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as QueryJob;
  const db = job.kind === 'sqlite' ? openSqliteDb(job.location) : openPostgresDb({ url: job.location });
  const send = (m: QueryMessage): Promise<void> => new Promise((resolve) => process.send!(m, () => resolve()));
  try {
    const count = ledgerQueries(job.ctx).length;
    for (let i = job.start; i < count; i++) {
      await send({ type: 'start', index: i });
      await send({ type: 'result', index: i, result: await measure(db, job, i) });
    }
    await send({ type: 'done' });
  } finally {
    await db.close();
  }
}

await main();
process.disconnect?.();
