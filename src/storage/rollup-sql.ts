/**
 * The ledger's rollups: per-hour and per-day totals (`ledger_hourly`, `ledger_daily`) by every
 * dimension a summary can group or filter by, with latency histograms, and per-trace totals
 * (`ledger_traces`). They are written in the same transaction as the ledger rows they count, so
 * they always agree with the table, and let a query over weeks read thousands of rollup rows
 * instead of millions of requests (see docs/ledger.md, "Queries at scale").
 *
 * Dimension columns hold `''` for a missing value (a NULL would make every such row its own
 * group under a unique key); readers turn `''` back into null.
 */
import { histogramCaseSql, histogramColumns } from './latency-histogram.js';
import { TOKEN_COLUMNS } from './token-columns.js';

/** The grouping dimensions, as ledger column names. */
export const ROLLUP_DIMENSIONS = ['provider', 'backend', 'model', 'project', 'key_id', 'rule', 'api'] as const;

/** One grouping dimension. */
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

/** Counter columns, summed when rows are merged. */
export const ROLLUP_COUNTERS = [
  'requests',
  'errors',
  ...TOKEN_COLUMNS,
  'cost_usd',
  'priced',
  ...histogramColumns('t'),
  ...histogramColumns('d'),
] as const;

/** A rollup table and the period (ms) its `bucket` column is aligned to (UTC). */
export interface Rollup {
  readonly table: 'ledger_hourly' | 'ledger_daily';
  readonly period: number;
}

/** The rollups, finest first. */
export const ROLLUPS: readonly Rollup[] = [
  { table: 'ledger_hourly', period: 3_600_000 },
  { table: 'ledger_daily', period: 86_400_000 },
];

type Dialect = 'sqlite' | 'postgres';

function counterType(name: string, dialect: Dialect): string {
  if (name === 'cost_usd') return dialect === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
  return /^[td]\d+$/.test(name) ? 'INTEGER' : 'BIGINT';
}

/** CREATE statements for the rollup tables and their indexes. */
export function createRollupTablesSql(dialect: Dialect): string[] {
  const real = dialect === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
  const statements: string[] = [];
  for (const r of ROLLUPS) {
    statements.push(
      `CREATE TABLE ${r.table} (
         bucket BIGINT NOT NULL,
         ${ROLLUP_DIMENSIONS.map((d) => `${d} TEXT NOT NULL`).join(',\n         ')},
         ${ROLLUP_COUNTERS.map((c) => `${c} ${counterType(c, dialect)} NOT NULL DEFAULT 0`).join(',\n         ')},
         PRIMARY KEY (bucket, ${ROLLUP_DIMENSIONS.join(', ')}))`,
      `CREATE INDEX ${r.table}_project ON ${r.table} (project, bucket)`,
      `CREATE INDEX ${r.table}_model ON ${r.table} (model, bucket)`,
      `CREATE INDEX ${r.table}_key ON ${r.table} (key_id, bucket)`,
    );
  }
  statements.push(
    `CREATE TABLE ledger_traces (
       trace_id TEXT PRIMARY KEY,
       first_ts BIGINT NOT NULL,
       last_ts BIGINT NOT NULL,
       ${TRACE_COUNTERS.map((c) => `${c} ${c === 'cost_usd' ? real : 'BIGINT'} NOT NULL DEFAULT 0`).join(',\n       ')},
       project_min TEXT,
       project_max TEXT)`,
    `CREATE INDEX ledger_traces_last ON ledger_traces (last_ts, trace_id)`,
  );
  return statements;
}

/** Counters kept per trace. */
export const TRACE_COUNTERS = ROLLUP_COUNTERS.slice(0, 10);

/**
 * One SQL expression per {@link ROLLUP_COUNTERS} entry: a raw `ledger` row's contribution
 * (1 request, 0/1 error, its tokens with NULL as 0, its cost, 0/1 priced, its histogram buckets).
 */
export function rawCounterExprs(): string[] {
  return [
    '1',
    'CASE WHEN error_type IS NULL THEN 0 ELSE 1 END',
    ...TOKEN_COLUMNS.map((c) => `COALESCE(${c}, 0)`),
    'COALESCE(cost_usd, 0)',
    'CASE WHEN cost_usd IS NULL THEN 0 ELSE 1 END',
    ...histogramCaseSql('ttft_ms'),
    ...histogramCaseSql('duration_ms'),
  ];
}

/** `COALESCE(dim, '')` for a dimension of a raw `ledger` row. */
export function rawDimensionSql(d: RollupDimension): string {
  return `COALESCE(${d}, '')`;
}

/** Statements that fill the rollups from the rows already in `ledger` (run once, by the migration). */
export function backfillRollupsSql(): string[] {
  const [hourly, daily] = ROLLUPS as [Rollup, Rollup];
  const dims = ROLLUP_DIMENSIONS.join(', ');
  const counters = ROLLUP_COUNTERS.join(', ');
  const raw = rawCounterExprs();
  const rawDims = ROLLUP_DIMENSIONS.map(rawDimensionSql).join(', ');
  return [
    `INSERT INTO ${hourly.table} (bucket, ${dims}, ${counters})
     SELECT ts - ts % ${hourly.period}, ${rawDims}, ${raw.map((e) => `SUM(${e})`).join(', ')}
     FROM ledger GROUP BY ts - ts % ${hourly.period}, ${rawDims}`,
    `INSERT INTO ${daily.table} (bucket, ${dims}, ${counters})
     SELECT bucket - bucket % ${daily.period}, ${dims}, ${ROLLUP_COUNTERS.map((c) => `SUM(${c})`).join(', ')}
     FROM ${hourly.table} GROUP BY bucket - bucket % ${daily.period}, ${dims}`,
    `INSERT INTO ledger_traces (trace_id, first_ts, last_ts, ${TRACE_COUNTERS.join(', ')}, project_min, project_max)
     SELECT trace_id, MIN(ts), MAX(ts), ${raw.slice(0, TRACE_COUNTERS.length).map((e) => `SUM(${e})`).join(', ')}, MIN(project), MAX(project)
     FROM ledger WHERE trace_id IS NOT NULL GROUP BY trace_id`,
  ];
}
