/**
 * A `pg` pool that a dropped database connection cannot crash. `pg` reports a lost connection
 * (server restart, failover, `pg_terminate_backend`, a proxy cutting the socket) as an `error`
 * event on the client, and an `error` event with no listener ends the process. The pool's own
 * listener covers only idle clients: a client checked out for a transaction has none, so a
 * drop between two statements (or the `end` that follows a failed query) used to be fatal.
 *
 * Here every client gets a listener when the pool creates it, for its whole life — idle,
 * checked out, mid-query, mid-transaction, after release — and the pool gets one too. The
 * error still reaches whoever was waiting (the query rejects); the listener only reports it.
 * {@link runTransaction} hands a broken client back with its error, so the pool discards it
 * and the next request gets a fresh connection. {@link queryReadRetrying} runs a read once more
 * on a fresh connection when the first one turned out dead: after a mass termination, idle
 * clients learn of it only when their socket is next read, so a read dispatched in that window
 * would fail for no lasting reason. Writes are never retried (they may have been applied).
 */
import pg from 'pg';

/** Where a connection error was seen. */
export type PgErrorSource = 'client' | 'pool';

/** Called for every connection error (for logging); must not throw. */
export type PgErrorListener = (err: Error, source: PgErrorSource) => void;

/** Default `application_name`, so operators (and tests) can find the service's backends in `pg_stat_activity`. */
export const DEFAULT_APPLICATION_NAME = 'llm-extproc';

/**
 * A pool whose clients can never emit an unhandled `error`. `config.application_name`
 * defaults to {@link DEFAULT_APPLICATION_NAME} (a connection string's own
 * `application_name` parameter wins).
 */
export function createGuardedPool(config: pg.PoolConfig, onError: PgErrorListener): pg.Pool {
  const pool = new pg.Pool({ application_name: DEFAULT_APPLICATION_NAME, ...config });
  const report = (source: PgErrorSource) => (err: Error) => {
    try {
      onError(err, source);
    } catch {
      // a reporting failure must not turn into the crash this listener prevents
    }
  };
  pool.on('error', report('pool'));
  // 'connect' fires once per new client, before anyone can check it out.
  pool.on('connect', (client) => {
    client.on('error', report('client'));
  });
  return pool;
}

/** A statement runner on one checked-out client. */
export type PgQuery = (sql: string, params: unknown[]) => Promise<pg.QueryResult>;

/**
 * Runs `fn` in one transaction on a client checked out of `pool`: committed when `fn`
 * resolves, rolled back when it throws. When the rollback fails too (the connection is gone),
 * the client goes back to the pool with that error, so the pool destroys it instead of handing
 * a dead connection to the next caller.
 */
export async function runTransaction<T>(pool: pg.Pool, fn: (query: PgQuery) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const value = await fn((sql, params) => client.query(sql, params));
    await client.query('COMMIT');
    return value;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
      broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/** SQLSTATE classes and codes of a connection the server ended (admin shutdown, crash, startup). */
const CONNECTION_LOST_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006']);
const SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT']);

/** True when `err` says the connection was lost (not that the statement itself was wrong). */
export function isConnectionLost(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'string' && (CONNECTION_LOST_CODES.has(e.code) || SOCKET_CODES.has(e.code))) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /^Connection terminated|not queryable|Client was closed/.test(message);
}

const READ = /^\s*(SELECT|WITH)\b/i;

/**
 * `pool.query`, run again when `sql` is a read (SELECT / WITH) and the attempt failed because
 * its connection was lost: at most once per pooled client plus one (every idle client may be
 * stale after a mass termination; each failed one leaves the pool), so the last attempt runs
 * on a connection opened after the loss.
 */
export async function queryReadRetrying(pool: pg.Pool, sql: string, params: unknown[]): Promise<pg.QueryResult> {
  const attempts = (pool.options.max ?? 10) + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await pool.query(sql, params);
    } catch (err) {
      if (attempt >= attempts || !READ.test(sql) || !isConnectionLost(err)) throw err;
    }
  }
}
