// Pure helpers of the usage dashboard: time ranges and buckets, number formatting. No DOM.
// Types: format.d.ts beside this file.

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The ranges the page offers: length and bucket interval. */
export const RANGES = {
  '24h': { label: 'Last 24 hours', ms: DAY_MS, interval: 'hour' },
  '7d': { label: 'Last 7 days', ms: 7 * DAY_MS, interval: 'hour' },
  '30d': { label: 'Last 30 days', ms: 30 * DAY_MS, interval: 'day' },
};

/** The range named `name` (a key of RANGES) ending at `now` (ms): `{ from, to, interval }`. */
export function rangeOf(name, now) {
  const r = RANGES[name] ?? RANGES['24h'];
  return { from: now - r.ms, to: now, interval: r.interval };
}

function stepOf(interval) {
  return interval === 'day' ? DAY_MS : HOUR_MS;
}

/** Start times (ms, UTC-aligned) of every bucket covering [from, to): from floored, to ceiled. */
export function bucketStarts(from, to, interval) {
  const step = stepOf(interval);
  const first = Math.floor(from / step) * step;
  const end = Math.ceil(to / step) * step;
  const starts = [];
  for (let t = first; t < end; t += step) starts.push(t);
  return starts;
}

/** An all-zero point (no requests) starting at `start` (ms). */
export function zeroPoint(start) {
  return {
    start,
    requests: 0,
    errors: 0,
    tokens: { input: 0, cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0, total: 0 },
    costUsd: null,
    unpricedRequests: 0,
    ttftMs: { p50: null, p95: null },
    durationMs: { p50: null, p95: null },
  };
}

/**
 * One point per bucket of [from, to): the API's points (which exist only for buckets with
 * requests; `start` an ISO time) where there are some, zero points elsewhere. `start` becomes ms.
 */
export function fillBuckets(points, from, to, interval) {
  const byStart = new Map(points.map((p) => [Date.parse(p.start), p]));
  return bucketStarts(from, to, interval).map((start) => {
    const p = byStart.get(start);
    return p ? { ...p, start } : zeroPoint(start);
  });
}

/** Errors per request (0..1); null without requests. */
export function errorRate(g) {
  return g && g.requests > 0 ? g.errors / g.requests : null;
}

const DASH = '—';

/** US dollars: cents from $0.10 up, up to four significant digits below, `—` for null. */
export function formatUsd(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  if (v === 0) return '$0.00';
  const abs = Math.abs(v);
  if (abs >= 1e6) return `$${(v / 1e6).toFixed(2)}M`;
  if (abs >= 0.1) return `$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return `$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumSignificantDigits: 4 })}`;
}

/** A count: grouped digits below 100 000, then K, M, B with up to three significant digits. */
export function formatCount(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  const abs = Math.abs(v);
  if (abs < 100_000) return Math.round(v).toLocaleString('en-US');
  for (const [div, unit] of [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ]) {
    if (abs >= div) return `${Number((v / div).toPrecision(3))}${unit}`;
  }
  return String(v);
}

/** A ratio (0..1) as a percentage with up to one decimal; `—` for null. */
export function formatPercent(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  const pct = v * 100;
  if (pct === 0) return '0%';
  if (pct < 0.1) return '<0.1%';
  return `${Number(pct.toFixed(1))}%`;
}

/** Milliseconds: `840 ms`, `1.25 s`; `—` for null. */
export function formatMs(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  if (v < 1000) return `${Math.round(v)} ms`;
  return `${Number((v / 1000).toPrecision(3))} s`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A bucket's start (ms) as an axis label, in UTC: `14:00` for hours, `Mar 5` for days. */
export function bucketLabel(start, interval) {
  const d = new Date(start);
  if (interval === 'day') return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
  return `${String(d.getUTCHours()).padStart(2, '0')}:00`;
}

/**
 * Which buckets get an axis label, and the label: every few hours over a day or two, each
 * midnight (UTC) over longer hourly ranges, every few days over daily ones. At most `max` labels.
 */
export function axisTicks(starts, interval, max = 8) {
  const n = starts.length;
  if (interval === 'hour' && n > 48) {
    const days = starts.map((s, index) => ({ s, index })).filter(({ s }) => s % DAY_MS === 0);
    const every = Math.max(1, Math.ceil(days.length / max));
    return days.filter((_, i) => i % every === 0).map(({ s, index }) => ({ index, label: bucketLabel(s, 'day') }));
  }
  const every = Math.max(1, Math.ceil(n / max));
  const ticks = [];
  for (let index = 0; index < n; index += every) ticks.push({ index, label: bucketLabel(starts[index], interval) });
  return ticks;
}

/** A bucket's start (ms) in full, for tooltips: `2026-03-05 14:00 UTC` or `2026-03-05 UTC`. */
export function bucketTitle(start, interval) {
  const iso = new Date(start).toISOString();
  return interval === 'day' ? `${iso.slice(0, 10)} UTC` : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A "nice" upper bound for an axis whose largest value is `max` (1, 2, 2.5 or 5 × 10^n). */
export function niceMax(max) {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const exp = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= max) return m * exp;
  return 10 * exp;
}

/** The display name of a group key's value: `(none)` for null. */
export function keyName(v) {
  return v === null || v === undefined || v === '' ? '(none)' : String(v);
}
