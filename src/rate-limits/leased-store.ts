/**
 * Redis counters without a round trip for most requests (`rateLimits.redis.lease`, on by
 * default), over the script of src/rate-limits/redis-store.ts:
 *
 * - **Request counters** (take 1) are leased: a replica takes a block of units from the counter
 *   in Redis with the same atomic script as one request (the block counts in the current minute
 *   bucket and is checked against the limit; when less room is left, it takes what is left),
 *   then admits requests from the block without a round trip until it is used up or the minute
 *   bucket changes. Block size: max(1, floor(limit × fraction)). The blocks of all replicas
 *   never exceed the limit: no overrun; a replica may hold up to one block unused, so a subject
 *   can be refused up to replicas × block early. A block idle for `idleMs` (or left by the
 *   bucket change) gives its unused units back. One lease round trip per counter is in flight
 *   at a time; the requests that need the same counter meanwhile wait for it, and share its
 *   refusal (no room) or its failure instead of asking one after the other.
 * - **Token counters** (take 0: room for one more token) are answered from a local view
 *   (src/rate-limits/token-views.ts): the counts last read plus this replica's own charges not yet read back. A background sync (one
 *   script call for every counter in use) sends the charges and reads the counts every
 *   `syncMs` while a counter is in use (a charge waits at most `chargeDelayMs`, by default
 *   `syncMs`). One replica is exact; other replicas' charges are seen at most `chargeDelayMs`
 *   + `syncMs` + a round trip late. A sync per charge would cost a wake-up per request again:
 *   at a few hundred requests a second a 10 ms delay meant a sync every seventh request.
 *
 * A request whose checks are all covered locally is answered synchronously. A view not read for
 * `staleMs` (the syncs fail) is not used: the request asks Redis, and the failure mode decides.
 * A failed sync is logged (once a minute) and reported to the background error listener.
 */
import type { Logger } from 'pino';
import { CounterStoreError, type BucketCounts, type CounterCheck, type CounterStore, type TakeResult } from './counter-store.js';
import type { RedisCounterStore, RedisSpend } from './redis-store.js';
import { bucketOf, estimate, WINDOW_MS } from './sliding-window.js';
import { TokenViews, viewCounts } from './token-views.js';

/** How leases and the token view behave. */
export interface LeaseOptions {
  /** Share of a limit one lease takes (0 < fraction ≤ 1); at least one unit. */
  readonly fraction: number;
  /** Longest a token counter's view goes without a sync while in use. */
  readonly syncMs: number;
  /** Longest a charge waits before a sync sends it (default `syncMs`). */
  readonly chargeDelayMs?: number;
  /** A lease or view unused this long is dropped (a lease's unused units given back); default 1000. */
  readonly idleMs?: number;
  /** A view not read for this long (its syncs fail) is not used (default 3 × syncMs). */
  readonly staleMs?: number;
  readonly logger: Logger;
  readonly windowMs?: number;
  /** Monotonic milliseconds for idleness and staleness (default `performance.now`). */
  readonly clock?: () => number;
}

/** Units leased from one counter's minute bucket. */
interface Lease {
  readonly bucket: number;
  readonly limit: number;
  /** Units held, not yet used. */
  remaining: number;
  /** The buckets as Redis last answered (current includes every unit this replica holds). */
  previous: number;
  current: number;
  usedAt: number;
}

/**
 * How a lease round trip ended for the requests that waited for it: a lease may be there (ask
 * again), the counter had no room (refused like the request that asked, with its counts), or
 * Redis failed (the same error).
 */
type LeaseOutcome = { readonly kind: 'again' } | { readonly kind: 'refused'; readonly counts: BucketCounts } | { readonly kind: 'failed'; readonly err: unknown };

/** The requests waiting for one counter's lease round trip. */
interface Leasing {
  readonly done: Promise<LeaseOutcome>;
  readonly resolve: (o: LeaseOutcome) => void;
}

const AGAIN: LeaseOutcome = { kind: 'again' };

const EMPTY: BucketCounts = { previous: 0, current: 0 };

/** Leases and local views over a {@link RedisCounterStore}. */
export class LeasedCounterStore implements CounterStore {
  private readonly windowMs: number;
  private readonly clock: () => number;
  private readonly idleMs: number;
  private readonly staleMs: number;
  private readonly chargeDelayMs: number;
  private readonly leases = new Map<string, Lease>();
  private readonly leasing = new Map<string, Leasing>();
  private readonly views: TokenViews;
  private readonly sweeper: NodeJS.Timeout;
  /** The caller's clock (`now` of the last call) against the monotonic one: the syncs' `now`. */
  private lastNow = 0;
  private lastNowAt = 0;

  constructor(
    private readonly inner: RedisCounterStore,
    private readonly opts: LeaseOptions,
  ) {
    if (!(opts.fraction > 0 && opts.fraction <= 1)) throw new RangeError('lease fraction must be in (0, 1]');
    this.windowMs = opts.windowMs ?? WINDOW_MS;
    this.clock = opts.clock ?? (() => performance.now());
    this.idleMs = opts.idleMs ?? 1000;
    this.staleMs = opts.staleMs ?? 3 * opts.syncMs;
    this.chargeDelayMs = opts.chargeDelayMs ?? opts.syncMs;
    this.views = new TokenViews(inner, {
      syncMs: opts.syncMs,
      chargeDelayMs: this.chargeDelayMs,
      idleMs: this.idleMs,
      logger: opts.logger,
      clock: this.clock,
      bucketAt: (t) => {
        const now = this.lastNow + (t - this.lastNowAt);
        return { bucket: bucketOf(now, this.windowMs), now };
      },
    });
    this.sweeper = setInterval(() => this.sweep(), this.idleMs);
    this.sweeper.unref();
  }

  /** Budget spend on the same Redis, unleased (each read and add is its own round trip). */
  get spend(): RedisSpend {
    return this.inner.spend;
  }

  /** Units one lease of `limit` takes. */
  leaseSize(limit: number): number {
    return Math.max(1, Math.floor(limit * this.opts.fraction));
  }

  /** Calls `listener` for each failed background sync (the request path reports its own failures). */
  onBackgroundError(listener: (err: CounterStoreError) => void): void {
    this.views.onError(listener);
  }

  /** Answers synchronously when every check is covered locally; else one round trip (leases for the request counters that need one). */
  take(checks: readonly CounterCheck[], now: number): TakeResult | Promise<TakeResult> {
    for (const c of checks) if (c.take > 1) return this.inner.take(checks, now); // not a request: no lease, exact
    const b = bucketOf(now, this.windowMs);
    const t = this.clock();
    this.lastNow = now;
    this.lastNowAt = t;
    const n = checks.length;
    const counts = new Array<BucketCounts>(n);
    let remote: number[] | undefined;
    for (let i = 0; i < n; i++) {
      const c = checks[i]!;
      if (c.take >= 1) {
        const lease = this.leases.get(c.key);
        if (lease !== undefined && lease.bucket === b && lease.limit === c.limit && lease.remaining >= 1) continue;
        const waiting = this.leasing.get(c.key);
        if (waiting) return waiting.done.then((o) => this.afterLeasing(o, checks, i, now));
        (remote ??= []).push(i);
        continue;
      }
      const view = this.views.get(c.key);
      if (view === undefined || view.bucket !== b || t - view.readAt > this.staleMs) {
        (remote ??= []).push(i);
        continue;
      }
      view.usedAt = t;
      const counted = viewCounts(view);
      counts[i] = counted;
      if (estimate(counted.previous, counted.current, now, this.windowMs) + 1 > c.limit) return this.refusedLocally(checks, counts, i, b);
    }
    if (remote === undefined) {
      for (let i = 0; i < n; i++) {
        const c = checks[i]!;
        if (c.take < 1) continue;
        const lease = this.leases.get(c.key)!;
        lease.remaining--;
        lease.usedAt = t;
        counts[i] = { previous: lease.previous, current: lease.current - lease.remaining };
      }
      return { refused: undefined, counts };
    }
    return this.takeRemote(checks, remote, counts, now, b);
  }

  /** Some checks need Redis: reserve the local units, ask for the rest (leases up to their size), merge. */
  private takeRemote(checks: readonly CounterCheck[], remote: readonly number[], counts: BucketCounts[], now: number, b: number): Promise<TakeResult> {
    const reserved: Lease[] = [];
    const isRemote = new Uint8Array(checks.length);
    for (const i of remote) isRemote[i] = 1;
    for (let i = 0; i < checks.length; i++) {
      if (isRemote[i] || checks[i]!.take < 1) continue;
      const lease = this.leases.get(checks[i]!.key)!;
      lease.remaining--;
      reserved.push(lease);
    }
    const asked: CounterCheck[] = [];
    for (const i of remote) {
      const c = checks[i]!;
      if (c.take >= 1) {
        // take() found no lease round trip in flight for it: this request's is the one.
        let resolve!: (o: LeaseOutcome) => void;
        const done = new Promise<LeaseOutcome>((r) => (resolve = r));
        this.leasing.set(c.key, { done, resolve });
      }
      asked.push({ key: c.key, limit: c.limit, take: c.take >= 1 ? this.leaseSize(c.limit) : 0 });
    }
    /** Tells the requests waiting for this round trip's leases how it ended (the lease, if any, is in place). */
    const release = (outcome: (j: number) => LeaseOutcome): void => {
      for (let j = 0; j < remote.length; j++) {
        const c = checks[remote[j]!]!;
        if (c.take < 1) continue;
        const l = this.leasing.get(c.key);
        this.leasing.delete(c.key);
        l?.resolve(outcome(j));
      }
    };
    return this.inner.takeUpTo(asked, now).then(
      (r) => {
        const t = this.clock();
        if (r.refused !== undefined) for (const lease of reserved) lease.remaining++;
        for (let j = 0; j < remote.length; j++) {
          const i = remote[j]!;
          const c = checks[i]!;
          const got = r.counts[j]!;
          if (c.take >= 1) counts[i] = r.refused === undefined ? this.leased(c, got, r.taken[j]!, b, t) : got;
          else counts[i] = viewCounts(this.views.fromRead(c.key, got, b, t));
        }
        for (let i = 0; i < checks.length; i++) {
          if (isRemote[i] || checks[i]!.take < 1) continue;
          const lease = this.leases.get(checks[i]!.key);
          if (lease) {
            lease.usedAt = t;
            counts[i] = { previous: lease.previous, current: lease.current - lease.remaining };
          } else counts[i] ??= EMPTY;
        }
        release((j) => (j === r.refused ? { kind: 'refused', counts: r.counts[j]! } : AGAIN));
        return { refused: r.refused === undefined ? undefined : remote[r.refused], counts };
      },
      (err: unknown) => {
        for (const lease of reserved) lease.remaining++;
        release(() => ({ kind: 'failed', err }));
        throw err;
      },
    );
  }

  /**
   * A request that waited for another's lease round trip on its check `i`: asks again (most
   * likely answered from the new lease), or shares the refusal or the failure without a round
   * trip of its own (many requests waiting on a full counter or a Redis outage wait once).
   */
  private afterLeasing(o: LeaseOutcome, checks: readonly CounterCheck[], i: number, now: number): TakeResult | Promise<TakeResult> {
    if (o.kind === 'again') return this.take(checks, now);
    if (o.kind === 'failed') throw o.err;
    const counts = new Array<BucketCounts>(checks.length);
    counts[i] = o.counts;
    return this.refusedLocally(checks, counts, i, bucketOf(now, this.windowMs));
  }

  /** Records a lease of `taken` units (one of them this request's); the request's counts. */
  private leased(c: CounterCheck, got: BucketCounts, taken: number, b: number, t: number): BucketCounts {
    let lease = this.leases.get(c.key);
    if (lease && lease.bucket === b && lease.limit === c.limit) {
      lease.remaining += taken - 1;
      lease.previous = got.previous;
      lease.current = Math.max(lease.current, got.current);
      lease.usedAt = t;
    } else {
      if (lease && this.giveBack(c.key, lease)) this.views.schedule(this.chargeDelayMs);
      lease = { bucket: b, limit: c.limit, remaining: taken - 1, previous: got.previous, current: got.current, usedAt: t };
      this.leases.set(c.key, lease);
    }
    return { previous: lease.previous, current: lease.current - lease.remaining };
  }

  /** The answer for a request refused by a local view: nothing taken. */
  private refusedLocally(checks: readonly CounterCheck[], counts: BucketCounts[], refused: number, b: number): TakeResult {
    for (let i = 0; i < checks.length; i++) {
      if (counts[i]) continue;
      const c = checks[i]!;
      const lease = this.leases.get(c.key);
      const view = this.views.get(c.key);
      counts[i] = lease && lease.bucket === b ? { previous: lease.previous, current: lease.current - lease.remaining } : view && view.bucket === b ? viewCounts(view) : EMPTY;
    }
    return { refused, counts };
  }

  /** Queues a charge for the next sync (within `chargeDelayMs`); this replica's view counts it at once. */
  add(key: string, amount: number, now: number): void {
    const b = bucketOf(now, this.windowMs);
    this.lastNow = now;
    this.lastNowAt = this.clock();
    this.views.add(key, amount, b);
  }

  /** Redis's buckets less this replica's unused lease units, plus its unsent charges. */
  async peek(keys: readonly string[], now: number): Promise<BucketCounts[]> {
    const b = bucketOf(now, this.windowMs);
    const counts = await this.inner.peek(keys, now);
    return counts.map((c, i) => {
      const lease = this.leases.get(keys[i]!);
      const held = lease && lease.bucket === b ? lease.remaining : 0;
      const unsent = this.views.unsent(keys[i]!, b);
      return { previous: c.previous, current: c.current - held + unsent };
    });
  }

  /** Gives back every lease's unused units and sends the waiting charges (when Redis answers in time), then closes the client. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const [key, lease] of this.leases) this.giveBack(key, lease);
    this.leases.clear();
    await this.views.close();
    await this.inner.close();
  }

  /** Drops idle leases (giving their units back) and those of a past bucket. */
  private sweep(): void {
    const t = this.clock();
    const b = bucketOf(this.lastNow + (t - this.lastNowAt), this.windowMs);
    let gave = false;
    for (const [key, lease] of this.leases) {
      if (t - lease.usedAt < this.idleMs && lease.bucket === b) continue;
      this.leases.delete(key);
      if (lease.remaining > 0 && lease.bucket >= b - 1) gave = this.giveBack(key, lease) || gave;
    }
    if (gave) this.views.schedule(0);
  }

  /** Queues the lease's unused units as a negative charge to its bucket. */
  private giveBack(key: string, lease: Lease): boolean {
    if (lease.remaining <= 0) return false;
    this.views.charge(key, lease.bucket, -lease.remaining);
    lease.remaining = 0;
    return true;
  }
}
