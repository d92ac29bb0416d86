/**
 * Counters in this process's memory: the default, right for a single replica. Counters idle for
 * two windows are dropped by a sweep once a window.
 */
import { bucketOf, estimate, WINDOW_MS } from './sliding-window.js';
import type { BucketCounts, CounterCheck, CounterStore, TakeResult } from './counter-store.js';

interface Counter {
  bucket: number;
  current: number;
  previous: number;
}

/** Counters in memory. */
export class MemoryCounterStore implements CounterStore {
  private readonly counters = new Map<string, Counter>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly windowMs = WINDOW_MS) {
    this.sweeper = setInterval(() => this.sweep(Date.now()), windowMs);
    this.sweeper.unref();
  }

  /** Counters held (for tests and the admin API). */
  get size(): number {
    return this.counters.size;
  }

  take(checks: readonly CounterCheck[], now: number): Promise<TakeResult> {
    const counters = checks.map((c) => this.counter(c.key, now));
    for (const [i, c] of checks.entries()) {
      const n = counters[i]!;
      if (estimate(n.previous, n.current, now, this.windowMs) + Math.max(c.take, 1) > c.limit) {
        return Promise.resolve({ refused: i, counts: counters.map(snapshot) });
      }
    }
    for (const [i, c] of checks.entries()) counters[i]!.current += c.take;
    return Promise.resolve({ refused: undefined, counts: counters.map(snapshot) });
  }

  add(key: string, amount: number, now: number): Promise<void> {
    this.counter(key, now).current += amount;
    return Promise.resolve();
  }

  peek(keys: readonly string[], now: number): Promise<BucketCounts[]> {
    return Promise.resolve(keys.map((k) => snapshot(this.roll(this.counters.get(k), now) ?? { bucket: 0, current: 0, previous: 0 })));
  }

  close(): Promise<void> {
    clearInterval(this.sweeper);
    this.counters.clear();
    return Promise.resolve();
  }

  /** Drops counters whose last bucket is two or more windows old. */
  sweep(now: number): void {
    const b = bucketOf(now, this.windowMs);
    for (const [k, c] of this.counters) if (c.bucket < b - 1) this.counters.delete(k);
  }

  private counter(key: string, now: number): Counter {
    let c = this.roll(this.counters.get(key), now);
    if (!c) {
      c = { bucket: bucketOf(now, this.windowMs), current: 0, previous: 0 };
      this.counters.set(key, c);
    }
    return c;
  }

  /** `c` moved to the bucket of `now`. */
  private roll(c: Counter | undefined, now: number): Counter | undefined {
    if (!c) return undefined;
    const b = bucketOf(now, this.windowMs);
    if (c.bucket === b) return c;
    c.previous = c.bucket === b - 1 ? c.current : 0;
    c.current = 0;
    c.bucket = b;
    return c;
  }
}

function snapshot(c: Counter): BucketCounts {
  return { previous: c.previous, current: c.current };
}
