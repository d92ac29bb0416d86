/**
 * Durations as OpenAI writes them in `x-ratelimit-reset-requests` / `-tokens` (Go's duration
 * format): `20ms`, `1s`, `1.5s`, `6m0s`, `1h2m3s`.
 */

/** `ms` (rounded up to whole milliseconds) as a Go-style duration. */
export function formatResetDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  const total = Math.ceil(ms);
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const ms3 = total % 1000;
  // Seconds with the milliseconds' trailing zeros dropped: 1s, 1.5s, 1.25s, 1.125s.
  const frac = ms3 === 0 ? '' : ms3 % 100 === 0 ? `.${ms3 / 100}` : ms3 % 10 === 0 ? `.${String(ms3 / 10).padStart(2, '0')}` : `.${String(ms3).padStart(3, '0')}`;
  const sec = `${Math.floor((total % 60_000) / 1000)}${frac}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}
