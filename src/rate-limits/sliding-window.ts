/**
 * The sliding-window counter every limit uses (the estimate Cloudflare and others use for
 * per-minute limits): counts are kept per fixed one-minute bucket, and the count "in the last
 * minute" at time `t` is the previous bucket weighted by how much of it still overlaps the last
 * minute, plus the current bucket:
 *
 *   estimate(t) = previous × (1 − elapsed / W) + current,  elapsed = t − start of current bucket
 *
 * Two counters per subject, constant memory, and one atomic read-modify-write; the estimate
 * assumes the previous bucket's events were spread evenly, so against a true sliding log it can
 * be off by at most the previous bucket's count × the unevenness (bounded by the limit itself).
 */

/** Window length: one minute. */
export const WINDOW_MS = 60_000;

/** The bucket (index) holding `now`. */
export function bucketOf(now: number, windowMs = WINDOW_MS): number {
  return Math.floor(now / windowMs);
}

/** The count in the sliding window ending at `now`. */
export function estimate(previous: number, current: number, now: number, windowMs = WINDOW_MS): number {
  const elapsed = now - bucketOf(now, windowMs) * windowMs;
  return previous * (1 - elapsed / windowMs) + current;
}

/**
 * Milliseconds from `now` until `cost` more fits under `limit` if nothing else is added
 * (0 when it fits now). Within the current bucket the estimate falls as the previous bucket's
 * weight does; past it, the current bucket becomes the previous one.
 */
export function waitMs(previous: number, current: number, limit: number, cost: number, now: number, windowMs = WINDOW_MS): number {
  const room = limit - cost;
  if (room < 0) return Infinity; // never fits
  if (estimate(previous, current, now, windowMs) <= room) return 0;
  const start = bucketOf(now, windowMs) * windowMs;
  const elapsed = now - start;
  if (current <= room && previous > 0) {
    // previous × (1 − f) ≤ room − current  →  f ≥ 1 − (room − current) / previous
    const f = 1 - (room - current) / previous;
    return Math.max(1, Math.ceil(f * windowMs - elapsed));
  }
  // Next bucket: previous' = current, current' = 0  →  f ≥ 1 − room / current
  const f = current > 0 ? Math.max(0, 1 - room / current) : 0;
  return Math.max(1, Math.ceil(windowMs - elapsed + f * windowMs));
}
