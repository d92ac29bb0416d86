/**
 * The usage endpoints of the admin API (mounted by src/access/admin-routes.ts, behind the
 * admin token): `GET /admin/usage/summary`, `GET /admin/traces`, `GET /admin/traces/{id}`.
 * Query parameters: `from`, `to` (ISO 8601 or ms since epoch; default the last 24 hours),
 * `limit` (default 100, at most 1000), `cursor` (from the previous page's `nextCursor`).
 */
import type { SqlDb } from '../access/sql-db.js';
import { GROUP_COLUMNS, getTrace, listTraces, usageSummary, type GroupField, type Page } from './usage-queries.js';

/** A query the usage endpoints refuse (400). */
export class UsageQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageQueryError';
  }
}

const DAY_MS = 86_400_000;

function time(v: string | null, name: string, fallback: number): number {
  if (v === null || v === '') return fallback;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw new UsageQueryError(`${name} must be an ISO 8601 time or ms since epoch (got ${JSON.stringify(v)})`);
  return n;
}

function pageOf(url: URL): { limit: number; offset: number } {
  const rawLimit = url.searchParams.get('limit');
  const limit = rawLimit === null ? 100 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageQueryError('limit must be an integer from 1 to 1000');
  const cursor = url.searchParams.get('cursor');
  if (cursor === null || cursor === '') return { limit, offset: 0 };
  const m = /^o:(\d{1,12})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new UsageQueryError('cursor is not one this API returned');
  return { limit, offset: Number(m[1]) };
}

function rangeOf(url: URL, now: number): { from: number; to: number } {
  const to = time(url.searchParams.get('to'), 'to', now);
  const from = time(url.searchParams.get('from'), 'from', to - DAY_MS);
  if (from >= to) throw new UsageQueryError('from must be before to');
  return { from, to };
}

function cursorOf(p: Page<unknown>): string | null {
  return p.nextOffset === undefined ? null : Buffer.from(`o:${p.nextOffset}`).toString('base64url');
}

function groupByOf(url: URL): GroupField[] {
  const raw = url.searchParams.get('groupBy');
  if (!raw) return [];
  const fields = [...new Set(raw.split(',').map((s) => s.trim()).filter(Boolean))];
  for (const f of fields) {
    if (!(f in GROUP_COLUMNS)) throw new UsageQueryError(`groupBy: unknown field ${JSON.stringify(f)} (one of ${Object.keys(GROUP_COLUMNS).join(', ')})`);
  }
  return fields as GroupField[];
}

/** `GET /admin/usage/summary`. */
export async function usageSummaryRoute(db: SqlDb, url: URL, now: number): Promise<[number, unknown]> {
  const range = rangeOf(url, now);
  const groupBy = groupByOf(url);
  const result = await usageSummary(db, { ...range, ...pageOf(url), groupBy });
  return [200, { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), groupBy, groups: result.items, nextCursor: cursorOf(result) }];
}

/** `GET /admin/traces`. */
export async function tracesRoute(db: SqlDb, url: URL, now: number): Promise<[number, unknown]> {
  const range = rangeOf(url, now);
  const result = await listTraces(db, { ...range, ...pageOf(url) });
  return [
    200,
    {
      from: new Date(range.from).toISOString(),
      to: new Date(range.to).toISOString(),
      traces: result.items.map((t) => ({ ...t, firstAt: new Date(t.firstAt).toISOString(), lastAt: new Date(t.lastAt).toISOString() })),
      nextCursor: cursorOf(result),
    },
  ];
}

/** `GET /admin/traces/{id}`; undefined when the trace is unknown. */
export async function traceRoute(db: SqlDb, id: string, url: URL): Promise<[number, unknown] | undefined> {
  const found = await getTrace(db, id, pageOf(url));
  if (!found) return undefined;
  const t = found.trace;
  return [
    200,
    {
      trace: { ...t, firstAt: new Date(t.firstAt).toISOString(), lastAt: new Date(t.lastAt).toISOString() },
      requests: found.requests.items,
      nextCursor: cursorOf(found.requests),
    },
  ];
}
