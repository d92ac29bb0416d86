/**
 * Shapes and helpers shared by the ledger's read queries: pages with opaque cursors, token
 * totals, percentiles, and the error a malformed query raises.
 */
import { num, type SqlRow } from '../storage/sql-db.js';

/** A query the usage endpoints refuse (400). */
export class UsageQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageQueryError';
  }
}

/** Where the next page starts: an offset, or the sort key of the last row returned. */
export type PageCursor = ReadonlyArray<string | number>;

/** A page of results. */
export interface Page<T> {
  readonly items: T[];
  /** Cursor of the next page, when there is one. */
  readonly next: PageCursor | undefined;
}

/** Two percentiles of one measure. */
export interface Percentiles {
  readonly p50: number | null;
  readonly p95: number | null;
}

/** Token totals by kind. */
export interface TokenTotals {
  readonly input: number;
  readonly cachedInput: number;
  readonly cacheWrite: number;
  readonly output: number;
  readonly reasoning: number;
  readonly total: number;
}

/** Token totals from a row with the rollup's token columns. */
export function tokensOf(r: SqlRow): TokenTotals {
  return {
    input: num(r['input_tokens']),
    cachedInput: num(r['cached_input_tokens']),
    cacheWrite: num(r['cache_write_tokens']),
    output: num(r['output_tokens']),
    reasoning: num(r['reasoning_tokens']),
    total: num(r['total_tokens']),
  };
}

/** Cost from a row's `cost_usd` and `priced` sums: null when no request in it was priced. */
export function costOf(r: SqlRow): number | null {
  return num(r['priced']) > 0 ? num(r['cost_usd']) : null;
}

/** The continuous percentile `p` (0..1) of `values` (as PostgreSQL's `percentile_cont`); null when empty. */
export function percentileCont(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Reads an offset cursor (`[n]`); 0 without one. */
export function offsetOf(cursor: PageCursor | undefined): number {
  if (cursor === undefined) return 0;
  const [n] = cursor;
  if (cursor.length !== 1 || typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new UsageQueryError('cursor is not one this API returned');
  return n;
}

/** Reads a keyset cursor (`[number, string]`: the last row's sort key). */
export function keysetOf(cursor: PageCursor | undefined): { at: number; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const [at, id] = cursor;
  if (cursor.length !== 2 || typeof at !== 'number' || !Number.isSafeInteger(at) || typeof id !== 'string') throw new UsageQueryError('cursor is not one this API returned');
  return { at, id };
}
