/**
 * Where rate-limit counters live. A store keeps, per counter key, the sliding-window buckets
 * of src/rate-limits/sliding-window.ts, and answers a whole request's checks in one atomic step:
 * either every check has room (and the request checks take their unit), or none takes anything.
 */

/** One check of a request against one counter. */
export interface CounterCheck {
  /** Counter key (limit name, kind and subject; the store adds its prefix and bucket). */
  readonly key: string;
  /** The limit per sliding minute. */
  readonly limit: number;
  /** Units to take when admitted: 1 for a request counter; 0 for a token counter (it only needs room for one more token). */
  readonly take: number;
}

/** The two buckets of one counter. */
export interface BucketCounts {
  readonly previous: number;
  readonly current: number;
}

/** The answer to a request's checks. */
export interface TakeResult {
  /** Index of the first check without room (nothing was taken); undefined: admitted. */
  readonly refused: number | undefined;
  /** Each counter's buckets, after the take when admitted. */
  readonly counts: readonly BucketCounts[];
}

/**
 * A counter store (memory for one replica, Redis for several). Implementations must be safe
 * under concurrency. `take` and `add` answer synchronously where the store can (memory), so the
 * request path allocates no promise for them; callers handle both forms.
 */
export interface CounterStore {
  /** Checks every counter and, when all have room, takes the request units; atomically. */
  take(checks: readonly CounterCheck[], now: number): TakeResult | Promise<TakeResult>;
  /**
   * Adds `amount` (tokens used) to a counter. A store may hold the charge briefly and apply it
   * with its next `take` (Redis: one round trip per request); the promise, if any, settles when
   * the charge is applied or lost.
   */
  add(key: string, amount: number, now: number): void | Promise<void>;
  /** The buckets of counters, for the admin API. */
  peek(keys: readonly string[], now: number): Promise<BucketCounts[]>;
  close(): Promise<void>;
  /**
   * Where a store that talks to its backend in the background (leases' syncs) reports a failed
   * call, to be counted like the request path's; such a failure never rejects anything.
   */
  onBackgroundError?(listener: (err: CounterStoreError) => void): void;
}

/** The store could not answer (unreachable, too slow); the failure mode decides. */
export class CounterStoreError extends Error {}
