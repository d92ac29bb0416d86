/**
 * The request path's view of gateway keys: a key's facts (never its secret) and a cached lookup
 * by presented secret. Implemented by {@link ../access/cached-key-lookup.js}.
 */
import type { RateLimitOverride, StoredKey } from './store.js';

/** A gateway key as the request path sees it (never the secret): the stored key plus its project's state. */
export interface GatewayKey extends StoredKey {
  readonly projectActive: boolean;
  /** The project's own rate limits (null: the config's). */
  readonly projectRateLimits?: RateLimitOverride | null;
}

/** Fast lookup used on the hot path: cached, no DB round trip on a hit. */
export interface KeyLookup {
  /** Finds the key for a presented secret (hash + constant-time compare); undefined when unknown. */
  find(presentedSecret: string): Promise<GatewayKey | undefined>;
  /** Counts one request for the key (asynchronous, batched; never lost on shutdown). */
  countRequest(keyId: string): void;
}
