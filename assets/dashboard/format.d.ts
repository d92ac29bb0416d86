// Types of format.js (the dashboard's pure helpers), for the unit tests that import it.

/** Token totals by kind, as the admin usage API returns them. */
export interface TokenTotals {
  input: number;
  cachedInput: number;
  cacheWrite: number;
  output: number;
  reasoning: number;
  total: number;
}

/** One time-series point (or summary group) of the admin usage API; `start` in ms once filled. */
export interface UsagePoint {
  start: number;
  requests: number;
  errors: number;
  tokens: TokenTotals;
  costUsd: number | null;
  unpricedRequests: number;
  ttftMs: { p50: number | null; p95: number | null };
  durationMs: { p50: number | null; p95: number | null };
}

/** A bucket interval. */
export type Interval = 'hour' | 'day';

export const HOUR_MS: number;
export const DAY_MS: number;
export const RANGES: Record<'24h' | '7d' | '30d', { label: string; ms: number; interval: Interval }>;
export function rangeOf(name: string, now: number): { from: number; to: number; interval: Interval };
export function bucketStarts(from: number, to: number, interval: Interval): number[];
export function zeroPoint(start: number): UsagePoint;
export function fillBuckets(points: ReadonlyArray<Omit<UsagePoint, 'start'> & { start: string }>, from: number, to: number, interval: Interval): UsagePoint[];
export function errorRate(g: { requests: number; errors: number } | null | undefined): number | null;
export function formatUsd(v: number | null | undefined): string;
export function formatCount(v: number | null | undefined): string;
export function formatPercent(v: number | null | undefined): string;
export function formatMs(v: number | null | undefined): string;
export function bucketLabel(start: number, interval: Interval): string;
export function axisTicks(starts: readonly number[], interval: Interval, max?: number): Array<{ index: number; label: string }>;
export function bucketTitle(start: number, interval: Interval): string;
export function niceMax(max: number): number;
export function keyName(v: string | null | undefined): string;
