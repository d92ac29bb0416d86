/**
 * {@link KeyLookup} over an {@link AccessStore}: a bounded cache of key records by key id, and
 * request counts batched in memory.
 *
 * Cache bound: a key record (found or not) is reused for at most `ttlMs` (`negativeTtlMs` for
 * an unknown id). Changes made through this process (admin API) invalidate at once; changes
 * made elsewhere (another replica, the CLI) are seen within `ttlMs` — so a revoked key stops
 * working within `ttlMs` on every replica. At most `maxEntries` records are kept (least
 * recently used dropped first), so random ids cannot grow memory.
 *
 * Authentication is one code path for every secret: the presented secret is hashed, the record
 * for its id is fetched (none for an unknown id or a malformed secret) and the hash compared in
 * constant time with the record's — or with a fixed dummy hash when there is no record.
 */
import type { Logger } from 'pino';
import type { GatewayKey, KeyLookup } from './key-lookup.js';
import { hashesEqual, hashSecret, keyIdOf } from './key-secret.js';
import type { AccessStore, KeyForLookup } from './store.js';

/** Options of {@link CachedKeyLookup}. */
export interface CachedKeyLookupOptions {
  readonly store: AccessStore;
  readonly logger: Logger;
  /** `auth.cache`. */
  readonly cache: { readonly ttlMs: number; readonly negativeTtlMs: number; readonly maxEntries: number };
  /** Request counts are written every this many ms (default 1000). */
  readonly flushIntervalMs?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly record: KeyForLookup | undefined;
  readonly expires: number;
  /** Local counts already written to the store when the record was read (they are in it). */
  readonly flushedAtRead: number;
}

/** Compared against when there is no record, so unknown ids cost what wrong secrets cost. */
const DUMMY_HASH = hashSecret('lxk_0000000000000000_no-such-key');

/** Cached key lookup with batched request counting; `close()` writes the last counts. */
export class CachedKeyLookup implements KeyLookup {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  /** Counts not yet written. */
  private pending = new Map<string, number>();
  /** Per key: requests counted here since start, and how many of them are written. */
  private readonly counted = new Map<string, number>();
  private readonly flushed = new Map<string, number>();
  private flushing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;
  /** Bumped by invalidations: a load that began before one is not cached. */
  private epoch = 0;

  constructor(private readonly opts: CachedKeyLookupOptions) {
    this.now = opts.now ?? Date.now;
    this.timer = setInterval(() => void this.flush().catch(() => undefined), opts.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  async find(presentedSecret: string): Promise<GatewayKey | undefined> {
    const presentedHash = hashSecret(presentedSecret);
    const id = keyIdOf(presentedSecret);
    const entry = id === undefined ? undefined : await this.entry(id);
    const record = entry?.record;
    const match = hashesEqual(presentedHash, record?.secretHash ?? DUMMY_HASH);
    if (!match || !record || !entry) return undefined;
    const k = record.key;
    const countedSince = (this.counted.get(k.id) ?? 0) - entry.flushedAtRead;
    return {
      id: k.id,
      project: k.project,
      name: k.name,
      createdAt: k.createdAt,
      expiresAt: k.expiresAt,
      revoked: k.revoked,
      maxRequests: k.maxRequests,
      requestCount: k.requestCount + Math.max(0, countedSince),
      allowedModels: k.allowedModels,
      allowedRules: k.allowedRules,
      rateLimits: k.rateLimits ?? null,
      projectActive: record.projectActive,
      projectRateLimits: record.projectRateLimits ?? null,
    };
  }

  countRequest(keyId: string): void {
    this.pending.set(keyId, (this.pending.get(keyId) ?? 0) + 1);
    this.counted.set(keyId, (this.counted.get(keyId) ?? 0) + 1);
  }

  /** Drops a key's cached record (after a change made through this process). */
  invalidateKey(id: string): void {
    this.epoch += 1;
    this.entries.delete(id);
    this.loading.delete(id);
  }

  /** Drops every cached record (after a project change). */
  invalidateAll(): void {
    this.epoch += 1;
    this.entries.clear();
    this.loading.clear();
  }

  /** Cached records now (tests, debug). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Writes pending counts in one batch. A failed batch goes back to pending and is retried on
   * the next flush. Concurrent calls share one write.
   */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.pending.size ? this.flush() : undefined));
    if (this.pending.size === 0) return Promise.resolve();
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.opts.store
      .addRequestCounts(batch)
      .then(
        () => {
          for (const [id, n] of batch) this.flushed.set(id, (this.flushed.get(id) ?? 0) + n);
        },
        (err: unknown) => {
          for (const [id, n] of batch) this.pending.set(id, (this.pending.get(id) ?? 0) + n);
          this.opts.logger.warn({ err, keys: batch.size }, 'writing request counts failed; retrying on the next flush');
          throw err;
        },
      )
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  /** Stops the timer and writes every pending count (awaited). Counts that cannot be written are logged. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    try {
      await this.flush();
    } catch {
      try {
        await this.flush();
      } catch (err) {
        this.opts.logger.error({ err, counts: Object.fromEntries(this.pending) }, 'request counts could not be written at shutdown');
        throw err;
      }
    }
  }

  private async entry(id: string): Promise<Entry> {
    const now = this.now();
    const cached = this.entries.get(id);
    if (cached && cached.expires > now) {
      // Re-insert: Map order is the LRU order.
      this.entries.delete(id);
      this.entries.set(id, cached);
      return cached;
    }
    let loading = this.loading.get(id);
    if (!loading) {
      const started = this.load(id).finally(() => {
        if (this.loading.get(id) === started) this.loading.delete(id);
      });
      loading = started;
      this.loading.set(id, started);
    }
    return loading;
  }

  private async load(id: string): Promise<Entry> {
    const epoch = this.epoch;
    const flushedAtRead = this.flushed.get(id) ?? 0;
    const record = await this.opts.store.findKeyForLookup(id);
    const ttl = record ? this.opts.cache.ttlMs : this.opts.cache.negativeTtlMs;
    const entry: Entry = { record, expires: this.now() + ttl, flushedAtRead };
    if (ttl > 0 && epoch === this.epoch) {
      this.entries.delete(id);
      this.entries.set(id, entry);
      while (this.entries.size > this.opts.cache.maxEntries) {
        const oldest = this.entries.keys().next().value;
        if (oldest === undefined) break;
        this.entries.delete(oldest);
      }
    }
    return entry;
  }
}
