/**
 * The PostgreSQL access store, for several replicas sharing keys. A small `pg` pool; every
 * transaction runs on one pooled client. `schema` (tests, shared databases) sets the
 * connection's `search_path`. A dropped connection, in any phase, never crashes the process
 * (see pg-pool.ts): the statement running on it rejects, the next one reconnects.
 */
import type pg from 'pg';
import { numberPlaceholders, type SqlDb, type SqlExecutor, type SqlRow } from '../storage/sql-db.js';
import { createGuardedPool, queryReadRetrying, runTransaction, type PgErrorListener } from './pg-pool.js';
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
  /** Reports connection errors (a lost connection); they are otherwise absorbed. */
  readonly onConnectionError?: PgErrorListener;
}

type Runner = (sql: string, params: unknown[]) => Promise<pg.QueryResult>;

function executor(read: Runner, write: Runner = read): SqlExecutor {
  return {
    query: async (sql, params = []) => (await read(numberPlaceholders(sql), [...params])).rows as SqlRow[],
    run: async (sql, params = []) => (await write(numberPlaceholders(sql), [...params])).rowCount ?? 0,
  };
}

/** A {@link SqlDb} on a PostgreSQL pool. */
export function openPostgresDb(opts: PostgresStoreOptions): SqlDb {
  if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(opts.schema)) throw new Error(`invalid schema name ${JSON.stringify(opts.schema)}`);
  const pool = createGuardedPool(
    {
      connectionString: opts.url,
      max: opts.maxConnections ?? 4,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    },
    opts.onConnectionError ?? (() => undefined),
  );
  return {
    dialect: 'postgres',
    // Outside a transaction a read lost with its connection is run once more; writes never are.
    ...executor(
      (sql, params) => queryReadRetrying(pool, sql, params),
      (sql, params) => pool.query(sql, params),
    ),
    transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> => runTransaction(pool, (query) => fn(executor(query))),
    close: () => pool.end(),
  };
}

/** Connects the PostgreSQL store; call `migrate()` before use. */
export function createPostgresStore(opts: PostgresStoreOptions): AccessStore {
  return new SqlAccessStore(openPostgresDb(opts));
}
