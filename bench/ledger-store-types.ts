/**
 * What the ledger benchmark's store setups (SQLite, PostgreSQL) have in common: the prepared
 * database, its generation times, its sizes, and the fingerprint that says whether a kept
 * database still holds what the generator would write.
 */
import { createHash } from 'node:crypto';
import { MIGRATIONS } from '../src/storage/migrations.js';
import { insertChunkSql } from './ledger-data.js';

/** Rows per generating INSERT (one transaction each). */
export const CHUNK_ROWS = 1_000_000;

/** A store kind of the benchmark. */
export type StoreKind = 'sqlite' | 'postgres';

/** Time spent generating a database (ms). */
export interface GenerationTimes {
  /** The bulk INSERTs (ledger indexes dropped, the primary key's kept on SQLite). */
  readonly insertMs: number;
  /** Re-creating the indexes (and, on PostgreSQL, the primary key). */
  readonly indexMs: number;
  /** PostgreSQL: `VACUUM ANALYZE ledger` (0 on SQLite). */
  readonly analyzeMs: number;
}

/** A database ready for the later migrations and the queries. */
export interface PreparedStore {
  readonly kind: StoreKind;
  /** SQLite: the file; PostgreSQL: the connection URL. */
  readonly location: string;
  /** True when a kept database was reused (no generation this run). */
  readonly reused: boolean;
  readonly generation?: GenerationTimes;
  /** Removes what this run leaves behind (a kept pristine database stays). */
  cleanup(): Promise<void>;
}

/** One table's or index's size. */
export interface RelationSize {
  readonly name: string;
  readonly kind: 'table' | 'index';
  readonly bytes: number;
}

/** Identifies the generated content: the row count, the generating SQL and migrations 1–2. */
export function fingerprint(kind: StoreKind, rows: number): string {
  const h = createHash('sha256');
  h.update(`${kind}\n${rows}\n${insertChunkSql(kind, rows, 0, Math.min(rows, CHUNK_ROWS))}\n`);
  for (const m of MIGRATIONS.filter((x) => x.version <= 2)) h.update(m.up(kind).join('\n'));
  return h.digest('hex').slice(0, 16);
}
