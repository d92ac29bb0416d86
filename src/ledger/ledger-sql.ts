/**
 * Writing ledger records: one multi-row INSERT per batch, idempotent on the request id
 * (`ON CONFLICT (request_id) DO NOTHING`, which SQLite and PostgreSQL both understand), so a
 * record replayed from the spill file after it did reach the database is not duplicated.
 */
import type { SqlExecutor } from '../access/sql-db.js';
import { LEDGER_COLUMNS, recordValues, type LedgerRecord } from './ledger-record.js';

const ROW = `(${LEDGER_COLUMNS.map(() => '?').join(', ')})`;

/** Inserts `records` (request ids already present are skipped); resolves with the rows inserted. */
export async function insertRecords(db: SqlExecutor, records: readonly LedgerRecord[]): Promise<number> {
  if (records.length === 0) return 0;
  const sql = `INSERT INTO ledger (${LEDGER_COLUMNS.join(', ')}) VALUES ${records.map(() => ROW).join(', ')} ON CONFLICT (request_id) DO NOTHING`;
  return db.run(sql, records.flatMap(recordValues));
}
