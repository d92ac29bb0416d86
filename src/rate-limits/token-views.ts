/**
 * Token counters as one replica knows them, for the leased store (src/rate-limits/leased-store.ts):
 * per counter the buckets last read from Redis plus this replica's own charges not yet read
 * back, and the background sync that sends the charges (and the leases' units given back) and
 * reads every counter in use again, in one script call, every `syncMs` while one is in use.
 * A sync never rejects: a failure is logged (once a minute) and reported to the listener; its
 * charges are dropped, this replica's views keep them.
 */
import type { Logger } from 'pino';
import { CounterStoreError, type BucketCounts } from './counter-store.js';
import type { BucketCharge, RedisCounterStore } from './redis-store.js';

/** A token counter as this replica knows it. */
export interface View {
  bucket: number;
  previous: number;
  current: number;
  /** Own charges in the sync in flight. */
  sent: number;
  /** Own charges not yet sent (this bucket). */
  unsent: number;
  readAt: number;
  usedAt: number;
}

/** How the views are kept. */
export interface TokenViewOptions {
  readonly syncMs: number;
  /** Longest a charge waits for a sync. */
  readonly chargeDelayMs: number;
  /** A view unused this long is dropped (no longer synced). */
  readonly idleMs: number;
  readonly logger: Logger;
  /** Monotonic milliseconds. */
  readonly clock: () => number;
  /** The bucket of the caller's clock at monotonic `t`, and that clock's time (the syncs' `now`). */
  readonly bucketAt: (t: number) => { readonly bucket: number; readonly now: number };
}

/** A view's buckets with this replica's charges not yet read back. */
export function viewCounts(v: View): BucketCounts {
  return { previous: v.previous, current: v.current + v.sent + v.unsent };
}

/** The views and their sync. */
export class TokenViews {
  private readonly views = new Map<string, View>();
  /** Charges not yet sent, per `<bucket>|<key>`. */
  private charges = new Map<string, BucketCharge>();
  private syncTimer: NodeJS.Timeout | undefined;
  private syncDue = Infinity;
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private closed = false;
  private lastErrorLog = -Infinity;
  private errorListener: ((err: CounterStoreError) => void) | undefined;

  constructor(
    private readonly inner: RedisCounterStore,
    private readonly opts: TokenViewOptions,
  ) {}

  /** Calls `listener` for each failed sync. */
  onError(listener: (err: CounterStoreError) => void): void {
    this.errorListener = listener;
  }

  /** The view of `key`, if there is one (whatever its bucket and age). */
  get(key: string): View | undefined {
    return this.views.get(key);
  }

  /** A view from counts just read at bucket `b` (own charges not yet sent added); the first of a counter starts the syncs. */
  fromRead(key: string, got: BucketCounts, b: number, t: number): View {
    let view = this.views.get(key);
    if (!view) {
      view = { bucket: b, previous: 0, current: 0, sent: 0, unsent: 0, readAt: t, usedAt: t };
      this.views.set(key, view);
      this.schedule(this.opts.syncMs);
    }
    view.bucket = b;
    view.previous = got.previous + (this.charges.get(`${b - 1}|${key}`)?.amount ?? 0);
    view.current = got.current;
    view.sent = 0;
    view.unsent = this.charges.get(`${b}|${key}`)?.amount ?? 0;
    view.readAt = t;
    view.usedAt = t;
    return view;
  }

  /** Queues a token charge for the next sync (within `chargeDelayMs`); the view counts it at once. */
  add(key: string, amount: number, bucket: number): void {
    this.charge(key, bucket, amount);
    const view = this.views.get(key);
    if (view && view.bucket === bucket) view.unsent += amount;
    this.schedule(this.opts.chargeDelayMs);
  }

  /** Queues an amount for the next sync without a view (a lease's units given back: negative). */
  charge(key: string, bucket: number, amount: number): void {
    const k = `${bucket}|${key}`;
    const c = this.charges.get(k);
    this.charges.set(k, { key, bucket, amount: (c?.amount ?? 0) + amount });
  }

  /** This replica's charges to `key`'s bucket `b` not yet sent. */
  unsent(key: string, b: number): number {
    return this.charges.get(`${b}|${key}`)?.amount ?? 0;
  }

  /** Runs a sync within `delay` ms (sooner if one is due sooner already). */
  schedule(delay: number): void {
    if (this.closed) return;
    const due = this.opts.clock() + delay;
    if (this.syncTimer !== undefined && this.syncDue <= due) return;
    clearTimeout(this.syncTimer);
    this.syncDue = due;
    this.syncTimer = setTimeout(this.onSyncTimer, delay);
    this.syncTimer.unref();
  }

  /** Stops the syncs, drops the views, and sends what is queued (when Redis answers in time). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.syncTimer);
    this.views.clear();
    await this.syncing;
    await this.sync();
  }

  private readonly onSyncTimer = (): void => {
    this.syncTimer = undefined;
    this.syncDue = Infinity;
    if (this.syncing) this.syncAgain = true;
    else void this.sync();
  };

  /** One script call: the queued charges, then the buckets of every view used within `idleMs` (the others are dropped). */
  private sync(): Promise<void> {
    const t = this.opts.clock();
    const { bucket: b, now } = this.opts.bucketAt(t);
    const keys: string[] = [];
    const read: View[] = [];
    for (const [key, view] of this.views) {
      if (t - view.usedAt > this.opts.idleMs) {
        this.views.delete(key);
        continue;
      }
      keys.push(key);
      read.push(view);
    }
    const charges = [...this.charges.values()].filter((c) => c.amount !== 0);
    this.charges = new Map();
    for (const c of charges) {
      const view = this.views.get(c.key);
      if (view && view.bucket === c.bucket) {
        view.sent += c.amount;
        view.unsent -= c.amount;
      }
    }
    if (keys.length === 0 && charges.length === 0) return Promise.resolve();
    const done = this.inner.sync(charges, keys, now).then(
      (counts) => {
        const at = this.opts.clock();
        for (let i = 0; i < read.length; i++) if (this.views.get(keys[i]!) === read[i]) this.fromRead(keys[i]!, counts[i]!, b, at);
      },
      (err: unknown) => {
        for (const view of read) {
          view.current += view.sent;
          view.sent = 0;
        }
        this.failed(err);
      },
    );
    this.syncing = done.finally(() => {
      this.syncing = undefined;
      if (this.syncAgain) {
        this.syncAgain = false;
        this.schedule(0);
      } else if (this.views.size > 0) this.schedule(this.opts.syncMs);
    });
    return this.syncing;
  }

  private failed(err: unknown): void {
    const e = err instanceof CounterStoreError ? err : new CounterStoreError(`rate-limit sync failed: ${(err as Error).message}`, { cause: err });
    try {
      this.errorListener?.(e);
    } catch {
      // a listener's failure is not the sync's
    }
    const t = this.opts.clock();
    if (t - this.lastErrorLog < 60_000) return;
    this.lastErrorLog = t;
    this.opts.logger.error({ err: { message: e.message } }, 'rate-limit sync with Redis failed: charges not sent, views not refreshed');
  }
}
