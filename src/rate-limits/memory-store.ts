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

  /** Answers synchronously: no promise on the request path. */
  take(checks: readonly CounterCheck[], now: number): TakeResult {
    const n = checks.length;
    const counters: Counter[] = new Array<Counter>(n);
    let refused: number | undefined;
    for (let i = 0; i < n; i++) {
      const c = checks[i]!;
      const counter = (counters[i] = this.counter(c.key, now));
      if (refused === undefined && estimate(counter.previous, counter.current, now, this.windowMs) + Math.max(c.take, 1) > c.limit) refused = i;
    }
    if (refused === undefined) for (let i = 0; i < n; i++) counters[i]!.current += checks[i]!.take;
    const counts: BucketCounts[] = new Array<BucketCounts>(n);
    for (let i = 0; i < n; i++) counts[i] = snapshot(counters[i]!);
    return { refused, counts };
  }

  add(key: string, amount: number, now: number): void {
    this.counter(key, now).current += amount;
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
