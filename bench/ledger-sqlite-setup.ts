/**
 * The SQLite database of the ledger benchmark: a file under the system temp directory with the
 * schema of migrations 1–2 and N generated ledger rows, loaded with the ledger's indexes dropped
 * and re-created afterwards from the very statements the migration ran (checked: the final
 * `sqlite_schema` equals a freshly migrated database's). With `keep`, the generated file is
 * kept as a pristine copy and each run works on a copy of it, so every run still pays (and
 * measures) the later migrations.
 */
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import { applyMigrations, MIGRATIONS } from '../src/storage/migrations.js';
import type { SqlDb, SqlExecutor, SqlRow } from '../src/storage/sql-db.js';
import { insertChunkSql } from './ledger-data.js';
import { CHUNK_ROWS, fingerprint, type GenerationTimes, type PreparedStore, type RelationSize } from './ledger-store-types.js';

type Db = InstanceType<typeof Database>;

function all(db: Db, sql: string, params: readonly unknown[] = []): SqlRow[] {
  return (db.prepare(sql).all(...params) as Array<Record<string, unknown>>).map(({ _metadata: _ignored, ...rest }) => rest);
}

/** A {@link SqlDb} over a raw connection, for applying migrations while loading. */
function rawSqlDb(db: Db): SqlDb {
  const exec: SqlExecutor = {
    query: async (sql, params = []) => all(db, sql, params),
    run: async (sql, params = []) => db.prepare(sql).run(...params).changes,
  };
  return {
    dialect: 'sqlite',
    ...exec,
    async transaction(fn) {
      db.exec('BEGIN');
      try {
        const v = await fn(exec);
        db.exec('COMMIT');
        return v;
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    },
    close: async () => {
      db.close();
    },
  };
}

function schemaOf(db: Db): string {
  return JSON.stringify(all(db, "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name <> 'sqlite_stat1' ORDER BY type, name"));
}

/** The schema text of a fresh database migrated to version 2. */
async function expectedSchema(): Promise<string> {
  const db = new Database(':memory:');
  await applyMigrations(rawSqlDb(db), MIGRATIONS.filter((m) => m.version <= 2));
  const s = schemaOf(db);
  db.close();
  return s;
}

function removeDb(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true });
}

/** Creates `path` with migrations 1–2 and `rows` generated ledger rows. */
async function generate(path: string, rows: number, log: (line: string) => void): Promise<GenerationTimes> {
  removeDb(path);
  const db = new Database(path);
  // A load nobody else reads: no journal, no fsync, a large page cache. WAL again at the end.
  db.exec('PRAGMA journal_mode = OFF');
  db.exec('PRAGMA synchronous = OFF');
  db.exec('PRAGMA cache_size = -2000000');
  await applyMigrations(rawSqlDb(db), MIGRATIONS.filter((m) => m.version <= 2));
  const indexes = all(db, "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'ledger' AND sql IS NOT NULL ORDER BY name");
  for (const ix of indexes) db.exec(`DROP INDEX ${String(ix['name'])}`);
  let t = performance.now();
  for (let lo = 0; lo < rows; lo += CHUNK_ROWS) {
    const hi = Math.min(rows, lo + CHUNK_ROWS);
    db.exec('BEGIN');
    db.exec(insertChunkSql('sqlite', rows, lo, hi));
    db.exec('COMMIT');
    log(`sqlite: ${hi.toLocaleString('en-US')} / ${rows.toLocaleString('en-US')} rows (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  const insertMs = performance.now() - t;
  t = performance.now();
  for (const ix of indexes) db.exec(String(ix['sql']));
  const indexMs = performance.now() - t;
  db.exec('PRAGMA journal_mode = WAL');
  const schema = schemaOf(db);
  db.close();
  if (schema !== (await expectedSchema())) throw new Error('sqlite: the generated schema differs from migrations 1–2');
  return { insertMs, indexMs, analyzeMs: 0 };
}

/** Options of {@link prepareSqlite}. */
export interface SqliteSetupOptions {
  readonly rows: number;
  readonly keep: boolean;
  /** Directory of the database files. */
  readonly dir: string;
  readonly log: (line: string) => void;
}

/** Generates (or, with `keep`, reuses) the benchmark's SQLite database. */
export async function prepareSqlite(o: SqliteSetupOptions): Promise<PreparedStore> {
  const pristine = join(o.dir, `ledger-${o.rows}.db`);
  const marker = `${pristine}.json`;
  const print = fingerprint('sqlite', o.rows);
  const working = o.keep ? join(o.dir, `ledger-${o.rows}-run.db`) : pristine;
  let generation: GenerationTimes | undefined;
  const reusable = o.keep && existsSync(pristine) && existsSync(marker) && readFileSync(marker, 'utf8') === print;
  if (!reusable) {
    rmSync(marker, { force: true });
    generation = await generate(pristine, o.rows, o.log);
    if (o.keep) writeFileSync(marker, print);
  } else {
    o.log(`sqlite: reusing ${pristine}`);
  }
  if (o.keep) {
    removeDb(working);
    copyFileSync(pristine, working);
  }
  return {
    kind: 'sqlite',
    location: working,
    reused: reusable,
    ...(generation ? { generation } : {}),
    async cleanup() {
      removeDb(working);
      if (!o.keep) rmSync(marker, { force: true });
    },
  };
}

/** Bytes of the file and of each table and index (`dbstat`). */
export function sqliteSizes(path: string): { totalBytes: number; relations: RelationSize[] } {
  const db = new Database(path, { readonly: true });
  try {
    const kinds = new Map(all(db, 'SELECT name, type FROM sqlite_schema').map((r) => [String(r['name']), String(r['type'])]));
    const relations = all(db, 'SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC').map((r) => ({
      name: String(r['name']),
      kind: kinds.get(String(r['name'])) === 'index' ? ('index' as const) : ('table' as const),
      bytes: Number(r['bytes']),
    }));
    const wal = existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0;
    return { totalBytes: statSync(path).size + wal, relations };
  } finally {
    db.close();
  }
}
