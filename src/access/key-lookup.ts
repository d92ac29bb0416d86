/**
 * The request path's view of gateway keys: a key's facts (never its secret) and a cached lookup
 * by presented secret. Implemented by {@link ../access/cached-key-lookup.js}.
 */

/** A gateway key as the request path sees it (never the secret). */
export interface GatewayKey {
  readonly id: string;
  readonly project: string;
  readonly name: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revoked: boolean;
  readonly maxRequests: number | null;
  readonly requestCount: number;
  readonly allowedModels: readonly string[]; // globs, empty = any
  readonly allowedRules: readonly string[]; // empty = any
  readonly projectActive: boolean;
}

/** Fast lookup used on the hot path: cached, no DB round trip on a hit. */
export interface KeyLookup {
  /** Finds the key for a presented secret (hash + constant-time compare); undefined when unknown. */
  find(presentedSecret: string): Promise<GatewayKey | undefined>;
  /** Counts one request for the key (asynchronous, batched; never lost on shutdown). */
  countRequest(keyId: string): void;
}
