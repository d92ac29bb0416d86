/**
 * The response cache over one store: the store (kept across config reloads that leave its
 * settings alone), its counters, and the rules that keep a store failure from ever failing a
 * request: a lookup is a miss past `lookupTimeoutMs` or on any error, a failed write is dropped,
 * and a store that goes down is logged once (and once more when it is back), every failure
 * counted. Once closed (its store replaced by a reload, or the process stopping) it makes no
 * new store calls — lookups miss, writes are dropped — and closes the store when the calls in
 * progress have ended.
 */
import type { Logger } from 'pino';
import type { CacheMetrics } from './cache-metrics.js';
import type { CacheKey, PurgeFilter, ResponseStore, StoredResponse, StoreStats } from './response-store.js';

/** What a {@link ResponseCache} is built from. */
export interface ResponseCacheOptions {
  readonly store: ResponseStore;
  readonly metrics: CacheMetrics;
  readonly logger: Logger;
  /** Clock (ms since epoch). */
  readonly now?: () => number;
  /** Closing waits at most this long for store calls in progress, then as long for the store's own close (default 5000). */
  readonly closeTimeoutMs?: number;
}

const TIMED_OUT = Symbol('timed out');

/** `p`, or {@link TIMED_OUT} after `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function keyId(k: CacheKey): string {
  return `${k.project}\u0000${k.rule}\u0000${k.model}\u0000${k.digest}`;
}

/** The response cache of a process. */
export class ResponseCache {
  readonly store: ResponseStore;
  readonly metrics: CacheMetrics;
  readonly now: () => number;
  private readonly logger: Logger;
  private readonly closeTimeoutMs: number;
  private failing = false;
  /** Store calls in progress (closing waits for them). */
  private readonly pending = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;
  /** Misses on their way upstream, for collapsing identical requests (`collapseWaitMs`). */
  private readonly inFlight = new Map<string, { promise: Promise<void>; done: () => void }>();

  constructor(opts: ResponseCacheOptions) {
    this.store = opts.store;
    this.metrics = opts.metrics;
    this.logger = opts.logger;
    this.now = opts.now ?? Date.now;
    this.closeTimeoutMs = opts.closeTimeoutMs ?? 5_000;
  }

  /** `p`, a store call, tracked until it settles. */
  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    const untrack = () => void this.pending.delete(p);
    p.then(untrack, untrack);
    return p;
  }

  private failed(operation: 'get' | 'set' | 'timeout', err: unknown): void {
    this.metrics.error(operation);
    if (this.failing) return;
    this.failing = true;
    this.logger.warn({ err, store: this.store.kind, operation }, 'response cache store failing: requests go upstream as misses until it recovers');
  }

  private succeeded(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.info({ store: this.store.kind }, 'response cache store recovered');
  }

  /** The entry under `key`, or undefined: absent, expired, failed or slower than `timeoutMs`. Never rejects. */
  async lookup(key: CacheKey, timeoutMs: number): Promise<StoredResponse | undefined> {
    if (this.closing) return undefined;
    const started = performance.now();
    try {
      const result = await within(this.track(this.store.get(key)), timeoutMs);
      if (result === TIMED_OUT) {
        this.failed('timeout', new Error(`lookup took longer than ${timeoutMs} ms`));
        return undefined;
      }
      this.succeeded();
      return result;
    } catch (err) {
      this.failed('get', err);
      return undefined;
    } finally {
      this.metrics.lookupSeconds((performance.now() - started) / 1000);
    }
  }

  /** Stores `value` (fire and forget: a failure is counted and logged once). Dropped once the cache is closed. */
  save(key: CacheKey, value: StoredResponse, ttlMs: number): Promise<void> {
    if (this.closing) return Promise.resolve();
    return this.track(this.store.set(key, value, ttlMs)).then(
      () => {
        this.succeeded();
        this.metrics.stored(value.body.length);
      },
      (err: unknown) => this.failed('set', err),
    );
  }

  /**
   * Marks a miss for `key` as on its way upstream; the returned function ends it (call it once
   * the response is stored or known not to be). Undefined when one is already in flight.
   */
  beginMiss(key: CacheKey): (() => void) | undefined {
    const id = keyId(key);
    if (this.inFlight.has(id)) return undefined;
    let done!: () => void;
    const promise = new Promise<void>((resolve) => {
      done = resolve;
    });
    const entry = {
      promise,
      done: () => {
        if (this.inFlight.get(id) === entry) this.inFlight.delete(id);
        done();
      },
    };
    this.inFlight.set(id, entry);
    return entry.done;
  }

  /** Waits up to `ms` for an identical miss in flight to end; resolves at once when none is. */
  async awaitInFlight(key: CacheKey, ms: number): Promise<boolean> {
    const entry = this.inFlight.get(keyId(key));
    if (!entry) return false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([entry.promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
    return true;
  }

  /** Removes matching entries. */
  purge(filter: PurgeFilter): Promise<number> {
    return this.store.purge(filter);
  }

  /** What the store holds now. */
  stats(): Promise<StoreStats> {
    return this.store.stats();
  }

  /**
   * Ends the misses in flight, stops calling the store, waits for the calls in progress (at most
   * `closeTimeoutMs`), then closes the store (as long again; a store that takes longer is logged
   * and left). Rejects when the store's close does. Calling it again answers the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.closeStore();
    return this.closing;
  }

  private async closeStore(): Promise<void> {
    for (const e of [...this.inFlight.values()]) e.done();
    if ((await within(Promise.allSettled([...this.pending]), this.closeTimeoutMs)) === TIMED_OUT) {
      this.logger.warn({ store: this.store.kind, pending: this.pending.size }, 'response cache store calls still running at close; closing the store anyway');
    }
    if ((await within(this.store.close(), this.closeTimeoutMs)) === TIMED_OUT) {
      this.logger.warn({ store: this.store.kind, timeoutMs: this.closeTimeoutMs }, 'response cache store did not close in time; leaving it');
    }
  }
}
