/**
 * Versioned schema migrations, applied in order in one transaction and recorded in
 * `schema_migrations`. Never edit a released migration: add the next one.
 */
import { backfillRollupsSql, createRollupTablesSql } from './rollup-sql.js';
import type { SqlDb, SqlExecutor } from './sql-db.js';

/** One migration: its statements per dialect. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(dialect: SqlDb['dialect']): readonly string[];
}

/** All migrations, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'projects, keys, audit log',
    up: (dialect) => [
      `CREATE TABLE projects (
         name TEXT PRIMARY KEY,
         active INTEGER NOT NULL DEFAULT 1,
         created_at BIGINT NOT NULL)`,
      `CREATE TABLE gateway_keys (
         id TEXT PRIMARY KEY,
         project TEXT NOT NULL REFERENCES projects(name),
         name TEXT NOT NULL,
         secret_hash TEXT NOT NULL,
         created_at BIGINT NOT NULL,
         expires_at BIGINT,
         revoked INTEGER NOT NULL DEFAULT 0,
         max_requests BIGINT,
         request_count BIGINT NOT NULL DEFAULT 0,
         allowed_models TEXT NOT NULL DEFAULT '[]',
         allowed_rules TEXT NOT NULL DEFAULT '[]')`,
      `CREATE INDEX gateway_keys_project ON gateway_keys (project)`,
      `CREATE TABLE audit_log (
         id ${dialect === 'postgres' ? 'BIGSERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT'},
         at BIGINT NOT NULL,
         actor TEXT NOT NULL,
         action TEXT NOT NULL,
         target TEXT NOT NULL,
         before_json TEXT,
         after_json TEXT)`,
      `CREATE INDEX audit_log_target ON audit_log (target, id)`,
    ],
  },
  {
    version: 2,
    name: 'usage ledger',
    up: (dialect) => {
      const real = dialect === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
      return [
        `CREATE TABLE ledger (
           request_id TEXT PRIMARY KEY,
           ts BIGINT NOT NULL,
           trace_id TEXT,
           response_id TEXT,
           project TEXT,
           key_id TEXT,
           rule TEXT,
           backend TEXT,
           provider TEXT,
           api TEXT,
           model TEXT,
           response_model TEXT,
           stream INTEGER NOT NULL DEFAULT 0,
           status INTEGER NOT NULL,
           error_type TEXT,
           input_tokens BIGINT,
           cached_input_tokens BIGINT,
           cache_write_tokens BIGINT,
           output_tokens BIGINT,
           reasoning_tokens BIGINT,
           total_tokens BIGINT,
           duration_ms ${real} NOT NULL,
           ttft_ms ${real},
           cost_usd ${real})`,
        `CREATE INDEX ledger_ts ON ledger (ts)`,
        `CREATE INDEX ledger_project_ts ON ledger (project, ts)`,
        `CREATE INDEX ledger_model_ts ON ledger (model, ts)`,
        `CREATE INDEX ledger_trace ON ledger (trace_id)`,
      ];
    },
  },
  {
    version: 3,
    name: 'ledger rollups',
    up: (dialect) => [
      ...createRollupTablesSql(dialect),
      ...backfillRollupsSql(),
      // Summaries filtered by key, and one trace's requests in order, read these.
      `CREATE INDEX ledger_key_ts ON ledger (key_id, ts)`,
      `DROP INDEX ledger_trace`,
      `CREATE INDEX ledger_trace_ts ON ledger (trace_id, ts, request_id)`,
    ],
  },
  {
    version: 4,
    name: 'ledger: the model name sent upstream',
    // A backend's modelNameOverride sends another name than the client asked for: the record
    // keeps both (the price is of the one sent).
    up: () => [`ALTER TABLE ledger ADD COLUMN sent_model TEXT`],
  },
  {
    version: 5,
    name: 'rate limits of keys and projects',
    // JSON { requestsPerMinute?, tokensPerMinute? }: overrides the config's per-key / per-project limits.
    up: () => [`ALTER TABLE gateway_keys ADD COLUMN rate_limits TEXT`, `ALTER TABLE projects ADD COLUMN rate_limits TEXT`],
  },
];

/** Arbitrary constant for PostgreSQL's advisory lock: replicas starting together migrate one at a time. */
const PG_MIGRATION_LOCK = 0x6c78_6b31;

/** Applies the migrations `db` lacks; resolves with the resulting version. */
export async function applyMigrations(db: SqlDb, migrations: readonly Migration[] = MIGRATIONS, now: () => number = Date.now): Promise<number> {
  return db.transaction(async (tx) => {
    if (db.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(?)', [PG_MIGRATION_LOCK]);
    await tx.run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    let current = await currentVersion(tx);
    for (const m of migrations) {
      if (m.version <= current) continue;
      for (const sql of m.up(db.dialect)) await tx.run(sql);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, now()]);
      current = m.version;
    }
    return current;
  });
}

/** The highest applied version (0: none). */
export async function currentVersion(db: SqlExecutor): Promise<number> {
  const rows = await db.query('SELECT MAX(version) AS v FROM schema_migrations');
  return Number(rows[0]?.['v'] ?? 0);
}
