/**
 * The PostgreSQL database of the ledger benchmark: a database of its own (`ledger_bench`,
 * created and dropped through the admin URL's server, nothing else in that server touched) with
 * the schema of migrations 1–2 and N generated ledger rows, loaded with the ledger's indexes and
 * primary key dropped and re-created afterwards from their own definitions (checked against the
 * catalog before and after), then `VACUUM ANALYZE`d, as autovacuum leaves a table of that size.
 * With `keep`, `ledger_bench` is kept as a template and each run works on a copy
 * (`ledger_bench_run`), so every run still pays (and measures) the later migrations.
 */
import pg from 'pg';
import { applyMigrations, MIGRATIONS } from '../src/storage/migrations.js';
import { openPostgresDb } from '../src/access/postgres-store.js';
import { insertChunkSql } from './ledger-data.js';
import { CHUNK_ROWS, fingerprint, type GenerationTimes, type PreparedStore, type RelationSize } from './ledger-store-types.js';

const PRISTINE = 'ledger_bench';
const WORKING = 'ledger_bench_run';

/** `url` pointing at database `name` on the same server. */
export function databaseUrl(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function ledgerDefinitions(c: pg.Client): Promise<string> {
  const ix = await c.query("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname");
  const cons = await c.query("SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'ledger'::regclass ORDER BY conname");
  return JSON.stringify([ix.rows, cons.rows]);
}

async function generate(url: string, rows: number, log: (line: string) => void): Promise<GenerationTimes> {
  const db = openPostgresDb({ url, maxConnections: 1 });
  try {
    await applyMigrations(db, MIGRATIONS.filter((m) => m.version <= 2));
  } finally {
    await db.close();
  }
  return withClient(url, async (c) => {
    await c.query("SET maintenance_work_mem = '1GB'");
    await c.query('SET synchronous_commit = off');
    const before = await ledgerDefinitions(c);
    const indexes = (await c.query("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ledger' AND indexname <> 'ledger_pkey' ORDER BY indexname")).rows as Array<{ indexname: string; indexdef: string }>;
    const pkey = (await c.query("SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'ledger_pkey'")).rows[0] as { def: string };
    for (const ix of indexes) await c.query(`DROP INDEX ${ix.indexname}`);
    await c.query('ALTER TABLE ledger DROP CONSTRAINT ledger_pkey');
    let t = performance.now();
    for (let lo = 0; lo < rows; lo += CHUNK_ROWS) {
      const hi = Math.min(rows, lo + CHUNK_ROWS);
      await c.query(insertChunkSql('postgres', rows, lo, hi));
      log(`postgres: ${hi.toLocaleString('en-US')} / ${rows.toLocaleString('en-US')} rows (${((performance.now() - t) / 1000).toFixed(1)} s)`);
    }
    const insertMs = performance.now() - t;
    t = performance.now();
    await c.query(`ALTER TABLE ledger ADD CONSTRAINT ledger_pkey ${pkey.def}`);
    for (const ix of indexes) await c.query(ix.indexdef);
    const indexMs = performance.now() - t;
    t = performance.now();
    await c.query('VACUUM ANALYZE ledger');
    const analyzeMs = performance.now() - t;
    if ((await ledgerDefinitions(c)) !== before) throw new Error('postgres: the re-created indexes differ from migrations 1–2');
    return { insertMs, indexMs, analyzeMs };
  });
}

/** Options of {@link preparePostgres}. */
export interface PgSetupOptions {
  readonly rows: number;
  readonly keep: boolean;
  /** A database on the server to issue CREATE/DROP DATABASE from (not modified). */
  readonly adminUrl: string;
  readonly log: (line: string) => void;
}

/** Generates (or, with `keep`, reuses) the benchmark's PostgreSQL database. */
export async function preparePostgres(o: PgSetupOptions): Promise<PreparedStore> {
  const print = `llm-extproc ledger bench ${fingerprint('postgres', o.rows)}`;
  const working = o.keep ? WORKING : PRISTINE;
  const reusable = o.keep &&
    (await withClient(o.adminUrl, async (c) => {
      const r = await c.query('SELECT shobj_description(oid, $1) AS d FROM pg_database WHERE datname = $2', ['pg_database', PRISTINE]);
      return (r.rows[0] as { d: string | null } | undefined)?.d === print;
    }));
  let generation: GenerationTimes | undefined;
  if (!reusable) {
    await withClient(o.adminUrl, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${PRISTINE} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${PRISTINE}`);
    });
    generation = await generate(databaseUrl(o.adminUrl, PRISTINE), o.rows, o.log);
    if (o.keep) await withClient(o.adminUrl, (c) => c.query(`COMMENT ON DATABASE ${PRISTINE} IS '${print}'`));
  } else {
    o.log(`postgres: reusing database ${PRISTINE}`);
  }
  if (o.keep) {
    await withClient(o.adminUrl, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${WORKING} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${WORKING} TEMPLATE ${PRISTINE}`);
    });
  }
  return {
    kind: 'postgres',
    location: databaseUrl(o.adminUrl, working),
    reused: reusable,
    ...(generation ? { generation } : {}),
    async cleanup() {
      await withClient(o.adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${working} WITH (FORCE)`));
    },
  };
}

/** `ANALYZE` of the whole database (after the later migrations built new tables). */
export async function analyzePostgres(url: string): Promise<number> {
  return withClient(url, async (c) => {
    const t = performance.now();
    await c.query('ANALYZE');
    return performance.now() - t;
  });
}

/** Bytes of the database and of each table (heap) and index in `public`. */
export async function postgresSizes(url: string): Promise<{ totalBytes: number; relations: RelationSize[] }> {
  return withClient(url, async (c) => {
    const total = await c.query('SELECT pg_database_size(current_database()) AS b');
    const rels = await c.query(
      `SELECT c.relname AS name, c.relkind AS kind, pg_relation_size(c.oid) + COALESCE(pg_relation_size(c.reltoastrelid), 0) AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') ORDER BY bytes DESC`,
    );
    return {
      totalBytes: Number((total.rows[0] as { b: string }).b),
      relations: (rels.rows as Array<{ name: string; kind: string; bytes: string }>).map((r) => ({ name: r.name, kind: r.kind === 'i' ? 'index' : 'table', bytes: Number(r.bytes) })),
    };
  });
}

/** The server's settings that matter to these queries. */
export async function postgresSettings(url: string): Promise<Record<string, string>> {
  return withClient(url, async (c) => {
    const r = await c.query(
      "SELECT name, setting || COALESCE(unit, '') AS v FROM pg_settings WHERE name IN ('server_version', 'shared_buffers', 'work_mem', 'effective_cache_size', 'max_parallel_workers_per_gather', 'jit', 'random_page_cost') ORDER BY name",
    );
    return Object.fromEntries((r.rows as Array<{ name: string; v: string }>).map((x) => [x.name, x.v]));
  });
}
