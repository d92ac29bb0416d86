/**
 * The SQLite access store (default): one file, created with its directory on first start, no
 * server. WAL mode and a busy timeout let the CLI change keys while the service runs. Uses
 * `libsql` (synchronous, better-sqlite3-compatible API, prebuilt binaries).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'libsql';
import type { SqlDb, SqlExecutor, SqlRow } from '../storage/sql-db.js';
import { SqlAccessStore } from './sql-store.js';
import type { AccessStore } from './store.js';

type Db = InstanceType<typeof Database>;

function rows(db: Db, sql: string, params: readonly unknown[]): SqlRow[] {
  return (db.prepare(sql).all(...params) as Array<Record<string, unknown>>).map((r) => {
    // libsql adds per-row timing metadata; it is not a column.
    const { _metadata: _ignored, ...rest } = r;
    return rest;
  });
}

/** A {@link SqlDb} on a SQLite file; transactions are serialised on the one connection. */
export function openSqliteDb(path: string): SqlDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // busy_timeout first: switching to WAL needs a lock, and another connection may be
  // checkpointing a large WAL at that moment (after a migration, say).
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA foreign_keys = ON');
  let queue: Promise<unknown> = Promise.resolve();
  const exec: SqlExecutor = {
    query: async (sql, params = []) => rows(db, sql, params),
    run: async (sql, params = []) => db.prepare(sql).run(...params).changes,
  };
  return {
    dialect: 'sqlite',
    ...exec,
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const result = queue.then(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const value = await fn(exec);
          db.exec('COMMIT');
          return value;
        } catch (err) {
          db.exec('ROLLBACK');
          throw err;
        }
      });
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      await queue;
      db.close();
    },
  };
}

/** Opens (creating when absent) the SQLite store at `path`; call `migrate()` before use. */
export function createSqliteStore(path: string): AccessStore {
  return new SqlAccessStore(openSqliteDb(path));
}
