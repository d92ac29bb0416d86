/**
 * Kills PostgreSQL backends the way an operator, a failover or `idle_session_timeout` does:
 * `pg_terminate_backend` on every backend of one `application_name`, so a test kills only its
 * own service's connections, never another test's.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEST_PG_URL } from './postgres.js';

/** A unique application name for one test's connections. */
export function uniqueApplicationName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** `url` with `application_name` (and optionally `search_path`) set as connection parameters. */
export function urlFor(applicationName: string, schema?: string, url = TEST_PG_URL): string {
  const u = new URL(url);
  u.searchParams.set('application_name', applicationName);
  if (schema) u.searchParams.set('options', `-c search_path=${schema}`);
  return u.href;
}

/** One backend of the application, as `pg_stat_activity` shows it. */
export interface Backend {
  readonly pid: number;
  readonly state: string | null;
  readonly waitEventType: string | null;
  readonly query: string;
}

/** A separate connection that watches and terminates one application's backends. */
export class BackendKiller {
  private constructor(
    private readonly client: pg.Client,
    readonly applicationName: string,
  ) {}

  /** Connects (as `<applicationName>_killer`, so it never terminates itself). */
  static async connect(applicationName: string): Promise<BackendKiller> {
    const client = new pg.Client({ connectionString: TEST_PG_URL, application_name: `${applicationName}_killer` });
    client.on('error', () => undefined);
    await client.connect();
    return new BackendKiller(client, applicationName);
  }

  /** The application's backends now. */
  async backends(): Promise<Backend[]> {
    // Inside a transaction (a test holding a lock here) pg_stat_activity keeps its first snapshot.
    await this.client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await this.client.query(
      `SELECT pid, state, wait_event_type, query FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1`,
      [this.applicationName],
    );
    return rows.map((r: { pid: number; state: string | null; wait_event_type: string | null; query: string }) => ({
      pid: r.pid,
      state: r.state,
      waitEventType: r.wait_event_type,
      query: r.query,
    }));
  }

  /** Terminates every backend of the application; resolves with how many were terminated. */
  async terminate(): Promise<number> {
    await this.client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await this.client.query(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1`,
      [this.applicationName],
    );
    return rows.filter((r: { ok: boolean }) => r.ok).length;
  }

  /** Runs SQL on the killer's own connection (to hold locks). */
  query(sql: string): Promise<pg.QueryResult> {
    return this.client.query(sql);
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
