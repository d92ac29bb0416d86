/**
 * The response cache's storage contract. A store keeps complete responses under a
 * {@link CacheKey}; it never decides what is cacheable (the cache hook does). Two ship with
 * llm-extproc: the in-memory LRU (memory-store.ts) and Redis (redis-store.ts). Any other store,
 * or a semantic cache, implements {@link ResponseStore} and is checked with the contract suite
 * exported from `llm-extproc/testing` (`describeResponseStoreContract`).
 */
import type { TokenUsage } from '../apis/api.js';

/** Where an entry lives: its tags (for purges) and the digest of the request. */
export interface CacheKey {
  /** The project the entry belongs to; `''` for entries shared by every caller. */
  readonly project: string;
  readonly rule: string;
  /** The model sent upstream. */
  readonly model: string;
  /** Hex digest of everything else that makes the request (see cache-key.ts). */
  readonly digest: string;
}

/** A stored response. */
export interface StoredResponse {
  readonly status: number;
  /** Response headers replayed on a hit (lower-case names; no hop-by-hop or length headers). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The body exactly as the client of the original request received it (an SSE stream byte for byte). */
  readonly body: Buffer;
  /** When it was stored (ms since epoch): the `age` of a hit counts from here. */
  readonly storedAt: number;
  /** Token usage of the original response. */
  readonly usage: TokenUsage;
  /** Model the provider said answered, and its response id. */
  readonly responseModel?: string;
  readonly responseId?: string;
  /** What the original request cost in USD (null: unpriced; absent: no price table). */
  readonly costUsd?: number | null;
}

/** Which entries a purge removes: all given tags must match; none given: every entry. */
export interface PurgeFilter {
  readonly project?: string;
  readonly model?: string;
  readonly rule?: string;
}

/** What a store holds now. */
export interface StoreStats {
  readonly entries: number;
  readonly bytes: number;
}

/**
 * A response store. Methods may reject (a store that is down); the cache turns every failure
 * into a miss, so a store need not guard against its own errors.
 */
export interface ResponseStore {
  /** `memory`, `redis`, or a module's own name (metrics attribute, logs). */
  readonly kind: string;
  /** The entry under `key`, or undefined (never an expired one). */
  get(key: CacheKey): Promise<StoredResponse | undefined>;
  /** Stores `value` under `key` for `ttlMs`, replacing what was there. */
  set(key: CacheKey, value: StoredResponse, ttlMs: number): Promise<void>;
  /** Removes the entries `filter` matches; resolves with how many it removed. */
  purge(filter: PurgeFilter): Promise<number>;
  stats(): Promise<StoreStats>;
  /** Releases connections; the store is not used afterwards. */
  close(): Promise<void>;
}

/** Size in bytes an entry takes (body, headers, and a fixed overhead for the rest). */
export function entrySize(value: StoredResponse): number {
  let n = value.body.length + 256;
  for (const [k, v] of value.headers) n += k.length + v.length;
  return n;
}

/** True when `key` matches `filter`. */
export function matchesPurge(key: CacheKey, filter: PurgeFilter): boolean {
  return (filter.project === undefined || key.project === filter.project) && (filter.model === undefined || key.model === filter.model) && (filter.rule === undefined || key.rule === filter.rule);
}
