/**
 * Query plans for the ledger benchmark: a {@link SqlDb} that records the statements a query
 * function sends, and the plan of each (SQLite `EXPLAIN QUERY PLAN`, PostgreSQL `EXPLAIN`) with
 * the tables it reads in full. A full scan of `ledger` fails the "uses an index" check; SQLite
 * reports a whole-index walk (`SCAN t USING INDEX i`) as a scan too, PostgreSQL only its
 * `Seq Scan`s.
 */
import type { SqlDb } from '../src/storage/sql-db.js';
import type { Statement } from './ledger-queries-set.js';

/** A statement's plan. */
export interface PlanCheck {
  /** The plan's lines (PostgreSQL: the scan nodes, without costs). */
  readonly plan: string[];
  /** Tables read in full. */
  readonly fullScans: string[];
}

/** `db`, recording each statement sent through it into `statements`. */
export function recording(db: SqlDb, statements: Statement[]): SqlDb {
  return {
    dialect: db.dialect,
    query: (sql, params = []) => (statements.push({ sql, params }), db.query(sql, params)),
    run: (sql, params = []) => (statements.push({ sql, params }), db.run(sql, params)),
    transaction: (fn) => db.transaction(fn),
    close: () => db.close(),
  };
}

/** The plan of `st` on `db`. */
export async function explain(db: SqlDb, st: Statement): Promise<PlanCheck> {
  if (db.dialect === 'sqlite') {
    const rows = await db.query(`EXPLAIN QUERY PLAN ${st.sql}`, st.params);
    const plan = rows.map((r) => String(r['detail']));
    const fullScans = plan.map((l) => /^SCAN (\w+)(?! \()/.exec(l)?.[1]).filter((t): t is string => t !== undefined && /^ledger/.test(t));
    return { plan, fullScans };
  }
  const rows = await db.query(`EXPLAIN ${st.sql}`, st.params);
  const lines = rows.map((r) => String(r['QUERY PLAN']));
  const plan = lines
    .filter((l) => /Scan|Index Cond|Filter/.test(l))
    .map((l) => l.replace(/\s+\(cost=.*$/, '').replace(/^\s*->\s*/, '').trim());
  const fullScans = lines.map((l) => /Seq Scan on (\w+)/.exec(l)?.[1]).filter((t): t is string => t !== undefined);
  return { plan, fullScans };
}
