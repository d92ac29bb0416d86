/**
 * The little a store needs of a SQL database, so one store implementation serves SQLite and
 * PostgreSQL. SQL is written with `?` placeholders; the PostgreSQL driver numbers them.
 */

/** A row as the driver returns it. */
export type SqlRow = Readonly<Record<string, unknown>>;

/** Runs statements (inside or outside a transaction). */
export interface SqlExecutor {
  /** Runs a query and returns its rows. */
  query(sql: string, params?: readonly unknown[]): Promise<SqlRow[]>;
  /** Runs a statement and returns the number of changed rows. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** A database connection (or pool). */
export interface SqlDb extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Rewrites `?` placeholders as `$1`, `$2`, … (our SQL has no `?` inside literals). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** True when `err` is a unique/primary-key violation in either database. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e?.code === '23505' || (typeof e?.code === 'string' && e.code.startsWith('SQLITE_CONSTRAINT') && /UNIQUE|PRIMARY/i.test(String(e.message)));
}

/** A column value as a number (drivers return BIGINT and NUMERIC as strings); 0 when absent or not a number. */
export function num(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** {@link num}, keeping null for a NULL column. */
export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}
