/**
 * The default response store: this process's memory, bounded in bytes, least recently used
 * entries evicted first (lru-cache). Not shared between replicas: use Redis for that.
 */
import { LRUCache } from 'lru-cache';
import { entrySize, matchesPurge, type CacheKey, type PurgeFilter, type ResponseStore, type StoredResponse, type StoreStats } from './response-store.js';

interface Held {
  readonly key: CacheKey;
  readonly value: StoredResponse;
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Total size of the entries kept. */
  readonly maxBytes: number;
  /** Called once per entry evicted to make room (not for expiry, replacement or purge). */
  readonly onEvict?: () => void;
  /** Clock (ms); for tests. */
  readonly now?: () => number;
}

function idOf(key: CacheKey): string {
  return `${key.project}\u0000${key.rule}\u0000${key.model}\u0000${key.digest}`;
}

/** An in-memory LRU response store. */
export class MemoryStore implements ResponseStore {
  readonly kind = 'memory';
  private readonly lru: LRUCache<string, Held>;

  constructor(opts: MemoryStoreOptions) {
    const onEvict = opts.onEvict;
    this.lru = new LRUCache<string, Held>({
      maxSize: opts.maxBytes,
      sizeCalculation: (h) => entrySize(h.value),
      ttlAutopurge: false,
      allowStale: false,
      ...(opts.now ? { perf: { now: opts.now } } : {}),
      ...(onEvict ? { dispose: (_v: Held, _k: string, reason: LRUCache.DisposeReason) => void (reason === 'evict' ? onEvict() : undefined) } : {}),
    });
  }

  get(key: CacheKey): Promise<StoredResponse | undefined> {
    return Promise.resolve(this.lru.get(idOf(key))?.value);
  }

  set(key: CacheKey, value: StoredResponse, ttlMs: number): Promise<void> {
    if (entrySize(value) > this.lru.maxSize) return Promise.resolve();
    this.lru.set(idOf(key), { key, value }, { ttl: ttlMs });
    return Promise.resolve();
  }

  purge(filter: PurgeFilter): Promise<number> {
    let n = 0;
    for (const [id, held] of this.lru.entries()) {
      if (!matchesPurge(held.key, filter)) continue;
      if (this.lru.delete(id)) n++;
    }
    return Promise.resolve(n);
  }

  stats(): Promise<StoreStats> {
    this.lru.purgeStale();
    return Promise.resolve({ entries: this.lru.size, bytes: this.lru.calculatedSize });
  }

  close(): Promise<void> {
    this.lru.clear();
    return Promise.resolve();
  }
}
