/**
 * The usage endpoints of the admin API (mounted by src/access/admin-routes.ts, behind the
 * admin token): `GET /admin/usage/summary`, `GET /admin/usage/timeseries`, `GET /admin/traces`,
 * `GET /admin/traces/{id}`. Query parameters: `from`, `to` (ISO 8601 or ms since epoch; default
 * the last 24 hours), `limit` (default 100, at most 1000), `cursor` (from the previous page's
 * `nextCursor`), and on the usage endpoints `groupBy` and equality filters named like the
 * group fields (`project=team-a&model=gpt-4o`).
 */
import type { SqlDb } from '../storage/sql-db.js';
import { getTrace, listTraces } from './trace-queries.js';
import { UsageQueryError, type PageCursor } from './usage-common.js';
import { GROUP_COLUMNS, INTERVALS, SUMMARY_ORDERS, usageSummary, usageTimeseries, type GroupField, type Interval, type SummaryOrder } from './usage-queries.js';

export { UsageQueryError } from './usage-common.js';

const DAY_MS = 86_400_000;
/** Longest range a time series may span, in intervals. */
const MAX_INTERVALS = 5_000;

function time(v: string | null, name: string, fallback: number): number {
  if (v === null || v === '') return fallback;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw new UsageQueryError(`${name} must be an ISO 8601 time or ms since epoch (got ${JSON.stringify(v)})`);
  return n;
}

function pageOf(url: URL): { limit: number; cursor?: PageCursor } {
  const rawLimit = url.searchParams.get('limit');
  const limit = rawLimit === null ? 100 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageQueryError('limit must be an integer from 1 to 1000');
  const cursor = url.searchParams.get('cursor');
  if (cursor === null || cursor === '') return { limit };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (!Array.isArray(decoded) || !decoded.every((v) => typeof v === 'string' || typeof v === 'number')) throw new UsageQueryError('cursor is not one this API returned');
  return { limit, cursor: decoded as PageCursor };
}

function rangeOf(url: URL, now: number): { from: number; to: number } {
  const to = time(url.searchParams.get('to'), 'to', now);
  const from = time(url.searchParams.get('from'), 'from', to - DAY_MS);
  if (from >= to) throw new UsageQueryError('from must be before to');
  return { from, to };
}

function cursorOf(next: PageCursor | undefined): string | null {
  return next === undefined ? null : Buffer.from(JSON.stringify(next)).toString('base64url');
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

function filtersOf(url: URL): Partial<Record<GroupField, string>> {
  const filters: Partial<Record<GroupField, string>> = {};
  for (const field of Object.keys(GROUP_COLUMNS) as GroupField[]) {
    const values = url.searchParams.getAll(field);
    if (values.length === 0) continue;
    if (values.length > 1 || values[0] === '') throw new UsageQueryError(`${field}: give one non-empty value`);
    filters[field] = values[0]!;
  }
  return filters;
}

function choice<T extends string>(url: URL, name: string, options: Record<T, unknown>, fallback: T): T {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return fallback;
  if (!Object.hasOwn(options, v)) throw new UsageQueryError(`${name} must be one of ${Object.keys(options).join(', ')}`);
  return v as T;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** `GET /admin/usage/summary`. */
export async function usageSummaryRoute(db: SqlDb, url: URL, now: number): Promise<[number, unknown]> {
  const range = rangeOf(url, now);
  const groupBy = groupByOf(url);
  const orderBy = choice<SummaryOrder>(url, 'orderBy', SUMMARY_ORDERS, 'key');
  const filters = filtersOf(url);
  const result = await usageSummary(db, { ...range, ...pageOf(url), groupBy, orderBy, filters });
  return [
    200,
    { from: iso(range.from), to: iso(range.to), groupBy, orderBy, filters, percentiles: result.percentiles, groups: result.items, nextCursor: cursorOf(result.next) },
  ];
}

/** `GET /admin/usage/timeseries`. */
export async function usageTimeseriesRoute(db: SqlDb, url: URL, now: number): Promise<[number, unknown]> {
  const range = rangeOf(url, now);
  const interval = choice<Interval>(url, 'interval', INTERVALS, 'hour');
  if ((range.to - range.from) / INTERVALS[interval] > MAX_INTERVALS) throw new UsageQueryError(`the range spans more than ${MAX_INTERVALS} ${interval}s; use a longer interval or a shorter range`);
  const groupBy = groupByOf(url);
  const filters = filtersOf(url);
  const result = await usageTimeseries(db, { ...range, interval, groupBy, filters });
  return [
    200,
    {
      from: iso(result.from),
      to: iso(result.to),
      interval,
      groupBy,
      filters,
      percentiles: 'histogram',
      truncated: result.truncated,
      points: result.points.map((p) => ({ ...p, start: iso(p.start) })),
    },
  ];
}

/** `GET /admin/traces`. */
export async function tracesRoute(db: SqlDb, url: URL, now: number): Promise<[number, unknown]> {
  const range = rangeOf(url, now);
  const result = await listTraces(db, { ...range, ...pageOf(url) });
  return [
    200,
    {
      from: iso(range.from),
      to: iso(range.to),
      traces: result.items.map((t) => ({ ...t, firstAt: iso(t.firstAt), lastAt: iso(t.lastAt) })),
      nextCursor: cursorOf(result.next),
    },
  ];
}

/** `GET /admin/traces/{id}`; undefined when the trace is unknown. */
export async function traceRoute(db: SqlDb, id: string, url: URL): Promise<[number, unknown] | undefined> {
  const found = await getTrace(db, id, pageOf(url));
  if (!found) return undefined;
  const t = found.trace;
  return [200, { trace: { ...t, firstAt: iso(t.firstAt), lastAt: iso(t.lastAt) }, requests: found.requests.items, nextCursor: cursorOf(found.requests.next) }];
}
