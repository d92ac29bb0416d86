/**
 * Writing ledger records: one transaction per batch that inserts the rows, idempotent on the
 * request id (`ON CONFLICT (request_id) DO NOTHING ... RETURNING`, which SQLite and PostgreSQL
 * both understand), and adds exactly the rows it inserted to the rollups. A record replayed from
 * the spill file after it did reach the database is neither duplicated nor counted twice.
 */
import type { SqlDb } from '../storage/sql-db.js';
import { LEDGER_COLUMNS, recordValues, type LedgerRecord } from './ledger-record.js';
import { addToRollups } from './rollup-write.js';

const ROW = `(${LEDGER_COLUMNS.map(() => '?').join(', ')})`;
/** Rows per INSERT: 24 parameters each stays far below either database's parameter limit. */
const CHUNK = 500;

/** Inserts `records` (request ids already present are skipped); resolves with the rows inserted. */
export async function insertRecords(db: SqlDb, records: readonly LedgerRecord[]): Promise<number> {
  if (records.length === 0) return 0;
  return db.transaction(async (tx) => {
    const inserted = new Set<string>();
    for (let i = 0; i < records.length; i += CHUNK) {
      const chunk = records.slice(i, i + CHUNK);
      const sql = `INSERT INTO ledger (${LEDGER_COLUMNS.join(', ')}) VALUES ${chunk.map(() => ROW).join(', ')} ON CONFLICT (request_id) DO NOTHING RETURNING request_id`;
      for (const row of await tx.query(sql, chunk.flatMap(recordValues))) inserted.add(String(row['request_id']));
    }
    // A request id twice in one batch is inserted once: count its first record only.
    const fresh = records.filter((r) => inserted.delete(r.requestId));
    await addToRollups(tx, db.dialect, fresh);
    return fresh.length;
  });
}
