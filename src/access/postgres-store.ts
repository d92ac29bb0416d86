/**
 * The PostgreSQL access store, for several replicas sharing keys. A small `pg` pool; every
 * transaction runs on one pooled client. `schema` (tests, shared databases) sets the
 * connection's `search_path`.
 */
import pg from 'pg';
import { numberPlaceholders, type SqlDb, type SqlExecutor, type SqlRow } from '../storage/sql-db.js';
import { SqlAccessStore } from './sql-store.js';
import type { AccessStore } from './store.js';

/** Where the store connects. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  readonly url: string;
  /** Schema for the tables (default: the server's search_path). Must be a plain identifier. */
  readonly schema?: string;
  /** Pool size (default 4). */
  readonly maxConnections?: number;
}

function executor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    query: async (sql, params = []) => (await client.query(numberPlaceholders(sql), [...params])).rows as SqlRow[],
    run: async (sql, params = []) => (await client.query(numberPlaceholders(sql), [...params])).rowCount ?? 0,
  };
}

/** A {@link SqlDb} on a PostgreSQL pool. */
export function openPostgresDb(opts: PostgresStoreOptions): SqlDb {
  if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(opts.schema)) throw new Error(`invalid schema name ${JSON.stringify(opts.schema)}`);
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.maxConnections ?? 4,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return {
    dialect: 'postgres',
    ...executor(pool),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const value = await fn(executor(client));
        await client.query('COMMIT');
        return value;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** Connects the PostgreSQL store; call `migrate()` before use. */
export function createPostgresStore(opts: PostgresStoreOptions): AccessStore {
  return new SqlAccessStore(openPostgresDb(opts));
}
