/**
 * The ledger benchmark (`npm run bench:ledger`): do the usage ledger's admin queries answer in
 * under a second on a ledger of ten million rows, on SQLite and PostgreSQL?
 *
 * Per store: generate the ledger at schema version 2 (ledger-data.ts), apply the later
 * migrations as an upgrading operator would (timed: that is the rollups' backfill), then time
 * each query of ledger-queries-set.ts in a child process (ledger-query-process.ts) next to its
 * raw-table baseline, with its plan. Writes the table to stdout; a full run (10,000,000 rows, both
 * stores) also writes bench/ledger-results.json and the BENCHMARKS.md section, other runs write
 * those to bench/out/. Not part of `npm test`.
 *
 * Options: `--rows N` (10,000,000), `--store sqlite|postgres|both` (both), `--runs K` (5),
 * `--keep` (keep the generated databases and reuse them when they match), `--pg-url URL` (a
 * database on the server to create `ledger_bench` from; postgres://postgres@127.0.0.1:5432/test).
 */
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { applyMigrations, currentVersion, MIGRATIONS } from '../src/storage/migrations.js';
import { openPostgresDb } from '../src/access/postgres-store.js';
import type { SqlDb } from '../src/storage/sql-db.js';
import { openSqliteDb } from '../src/access/sqlite-store.js';
import { COMPILED } from './children.js';
import { LEDGER_END, LEDGER_SPAN_MS, MODELS, SHAPE } from './ledger-data.js';
import { analyzePostgres, postgresSettings, postgresSizes, preparePostgres } from './ledger-pg-setup.js';
import { ledgerQueries, queryContext, type QueryContext } from './ledger-queries-set.js';
import type { QueryJob, QueryMessage, QueryResult } from './ledger-query-process.js';
import { renderSection, renderText, spliceSection, type LedgerRun, type StoreRun } from './ledger-report.js';
import { prepareSqlite, sqliteSizes } from './ledger-sqlite-setup.js';
import type { PreparedStore, StoreKind } from './ledger-store-types.js';
import { machineInfo } from './machine.js';
import { repoPath } from './run-paths.js';

const FULL_ROWS = 10_000_000;
/** A warm-up slower than this is followed by one timed run. */
const SLOW_MS = 15_000;

const log = (line: string): void => void process.stderr.write(`[bench:ledger] ${line}\n`);

function options(): { rows: number; stores: StoreKind[]; runs: number; keep: boolean; pgUrl: string } {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: String(FULL_ROWS) },
      store: { type: 'string', default: 'both' },
      runs: { type: 'string', default: '5' },
      keep: { type: 'boolean', default: false },
      'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    },
  });
  const rows = Number(values.rows.replaceAll('_', '').replaceAll(',', ''));
  const runs = Number(values.runs);
  if (!Number.isSafeInteger(rows) || rows < 1000) throw new Error('--rows must be an integer ≥ 1000');
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  const store = values.store;
  if (store !== 'sqlite' && store !== 'postgres' && store !== 'both') throw new Error('--store must be sqlite, postgres or both');
  return { rows, runs, keep: values.keep, pgUrl: values['pg-url'], stores: store === 'both' ? ['sqlite', 'postgres'] : [store] };
}

/** The data's shape, for the report. */
function shapeText(rows: number): string {
  const providers = [...new Set(MODELS.map((m) => m.provider))];
  return (
    `${rows.toLocaleString('en-US')} requests over ${LEDGER_SPAN_MS / 86_400_000} days at a uniform rate, ending ${new Date(LEDGER_END).toISOString()} (the end of every queried range); ` +
    `${SHAPE.projects} projects of ${SHAPE.keys / SHAPE.projects} keys each, keys used with a skew; ${MODELS.length} models of ${providers.length} providers (${providers.join(', ')}), ` +
    `each key mostly on its own 3 models; 8 routing rules; traces of 1–${SHAPE.maxTraceLength} consecutive requests; ${SHAPE.streamPercent}% streamed; ${SHAPE.errorPerMille / 10}% errors; ` +
    'input tokens 50–20,050 (long-tailed), output 10–2,010; cache reads on 35% of requests, cache writes on some Anthropic ones, reasoning tokens on two models; ' +
    'one model unpriced (NULL cost); TTFT only on streams (else NULL) and duration Pareto-tailed. Request ids are random UUID-shaped strings.'
  );
}

function open(p: PreparedStore): SqlDb {
  return p.kind === 'sqlite' ? openSqliteDb(p.location) : openPostgresDb({ url: p.location });
}

/** Times every query in child processes, starting a new child after one that died. */
async function runQueries(p: PreparedStore, ctx: QueryContext, runs: number): Promise<QueryResult[]> {
  const names = ledgerQueries(ctx).map((q) => q.name);
  const results: QueryResult[] = [];
  let start = 0;
  while (start < names.length) {
    const job: QueryJob = { kind: p.kind, location: p.location, ctx, runs, start, slowMs: SLOW_MS };
    const script = fileURLToPath(new URL(`ledger-query-process${COMPILED ? '.js' : '.ts'}`, import.meta.url));
    const child = fork(script, [JSON.stringify(job)], { execArgv: COMPILED ? [] : ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
      process.stderr.write(d);
    });
    let current = start;
    let done = false;
    let started = false;
    child.on('message', (m: QueryMessage) => {
      if (m.type === 'start') {
        current = m.index;
        started = true;
        log(`${p.kind}: ${names[m.index]}`);
      } else if (m.type === 'result') {
        results[m.index] = m.result;
        const r = m.result;
        log(`${p.kind}: ${r.name}: ${r.error ? `error ${r.error}` : `${r.fn?.medianMs.toFixed(1)} ms (raw ${r.raw?.medianMs.toFixed(1) ?? '-'} ms)`}`);
      } else done = true;
    });
    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    if (done) break;
    if (!started) throw new Error(`${p.kind}: the query process died before its first query: ${stderr.trim().split('\n').slice(0, 6).join(' / ')}`);
    const why = /heap out of memory|Allocation failed[^\n]*/i.exec(stderr)?.[0] ?? `exit code ${exit.code}${exit.signal ? `, signal ${exit.signal}` : ''}`;
    results[current] = { name: names[current]!, check: '-', error: `the process died: ${why}` };
    log(`${p.kind}: ${names[current]}: the process died (${why}); continuing after it`);
    start = current + 1;
  }
  return results;
}

/** Rows of the ledger and of every table migrations built from it. */
async function rowCounts(db: SqlDb): Promise<Record<string, number>> {
  const names =
    db.dialect === 'sqlite'
      ? (await db.query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'ledger%' ORDER BY name")).map((r) => String(r['name']))
      : (await db.query("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'ledger%' ORDER BY tablename")).map((r) => String(r['name']));
  const out: Record<string, number> = {};
  for (const name of names) out[name] = Number((await db.query(`SELECT COUNT(*) AS c FROM ${name}`))[0]?.['c']);
  return out;
}

async function runStore(kind: StoreKind, o: ReturnType<typeof options>, dir: string): Promise<StoreRun> {
  const prepared = kind === 'sqlite' ? await prepareSqlite({ rows: o.rows, keep: o.keep, dir, log }) : await preparePostgres({ rows: o.rows, keep: o.keep, adminUrl: o.pgUrl, log });
  try {
    const db = open(prepared);
    let ctx: QueryContext;
    let migrations: string[];
    let migrateMs: number;
    let tableRows: Record<string, number>;
    try {
      const before = await currentVersion(db);
      log(`${kind}: applying the migrations after version ${before}`);
      const t = performance.now();
      await applyMigrations(db);
      migrateMs = performance.now() - t;
      migrations = MIGRATIONS.filter((m) => m.version > before).map((m) => `${m.version} ${m.name}`);
      log(`${kind}: migrations (${migrations.join('; ') || 'none'}) took ${(migrateMs / 1000).toFixed(1)} s`);
      tableRows = await rowCounts(db);
      if (tableRows['ledger'] !== o.rows) throw new Error(`${kind}: ledger holds ${tableRows['ledger']} rows, expected ${o.rows}`);
    } catch (err) {
      await db.close();
      throw err;
    }
    const analyzeMs = kind === 'postgres' ? await analyzePostgres(prepared.location) : undefined;
    try {
      ctx = await queryContext(db);
      // Close with nothing left to checkpoint: a child opening the file while this connection's
      // close still checkpoints the migration's WAL would fail (its first PRAGMA runs before
      // openSqliteDb sets busy_timeout).
      if (kind === 'sqlite') await db.query('PRAGMA wal_checkpoint(TRUNCATE)');
    } finally {
      await db.close();
    }
    const queries = await runQueries(prepared, ctx, o.runs);
    const sizes = kind === 'sqlite' ? sqliteSizes(prepared.location) : await postgresSizes(prepared.location);
    const settings = kind === 'postgres' ? await postgresSettings(prepared.location) : undefined;
    return {
      kind,
      rows: o.rows,
      reused: prepared.reused,
      ...(prepared.generation ? { generation: prepared.generation } : {}),
      migrations,
      migrateMs,
      tableRows,
      ...(analyzeMs !== undefined ? { analyzeMs } : {}),
      sizes,
      ...(settings ? { settings } : {}),
      queries,
    };
  } finally {
    await prepared.cleanup();
  }
}

async function main(): Promise<void> {
  const o = options();
  const started = performance.now();
  const dir = join(tmpdir(), 'llm-extproc-ledger-bench');
  mkdirSync(dir, { recursive: true });
  const stores: StoreRun[] = [];
  for (const kind of o.stores) stores.push(await runStore(kind, o, dir));
  const run: LedgerRun = { machine: machineInfo(), options: { rows: o.rows, runs: o.runs, stores: o.stores }, wallSeconds: (performance.now() - started) / 1000, stores };
  process.stdout.write(renderText(run));
  const full = o.rows === FULL_ROWS && o.stores.length === 2;
  const outDir = repoPath('bench/out/');
  mkdirSync(outDir, { recursive: true });
  const section = renderSection(run, shapeText(o.rows));
  writeFileSync(full ? repoPath('bench/ledger-results.json') : `${outDir}ledger-results.json`, `${JSON.stringify(run, null, 2)}\n`);
  if (full) writeFileSync(repoPath('BENCHMARKS.md'), spliceSection(readFileSync(repoPath('BENCHMARKS.md'), 'utf8'), section));
  else writeFileSync(`${outDir}ledger-section.md`, section);
  log(`wrote ${full ? 'bench/ledger-results.json and the BENCHMARKS.md section' : 'bench/out/ledger-results.json and bench/out/ledger-section.md'}`);
}

await main();
