/**
 * The access store: projects, gateway keys (hashed), request counts and the audit log, behind
 * one interface with a SQLite and a PostgreSQL implementation. Every change takes the actor
 * that made it and writes an audit entry in the same transaction.
 */

/** A project: keys belong to one; a deactivated project's keys stop working. */
/** A key's or project's own rate limits (per sliding minute), overriding the config's per-key / per-project limits. */
export interface RateLimitOverride {
  readonly requestsPerMinute?: number;
  readonly tokensPerMinute?: number;
}

export interface Project {
  readonly name: string;
  readonly active: boolean;
  /** Its own rate limits; null: the config's. */
  readonly rateLimits?: RateLimitOverride | null;
  /** ms since epoch. */
  readonly createdAt: number;
}

/** A stored gateway key, without its secret or hash. */
export interface StoredKey {
  readonly id: string;
  readonly project: string;
  readonly name: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revoked: boolean;
  readonly maxRequests: number | null;
  readonly requestCount: number;
  readonly allowedModels: readonly string[];
  readonly allowedRules: readonly string[];
  /** Its own rate limits; null: the config's. */
  readonly rateLimits?: RateLimitOverride | null;
}

/** A key as the lookup needs it: the key, its project's state and the secret's hash. */
export interface KeyForLookup {
  readonly key: StoredKey;
  readonly projectActive: boolean;
  /** The project's own rate limits. */
  readonly projectRateLimits?: RateLimitOverride | null;
  /** sha256 hex of the secret. */
  readonly secretHash: string;
}

/** A new key to store. */
export interface NewKey {
  readonly id: string;
  readonly project: string;
  readonly name: string;
  readonly secretHash: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly maxRequests: number | null;
  readonly allowedModels: readonly string[];
  readonly allowedRules: readonly string[];
  readonly rateLimits?: RateLimitOverride | null;
}

/** Changeable fields of a key; absent fields stay as they are. */
export interface KeyPatch {
  readonly name?: string;
  readonly expiresAt?: number | null;
  readonly maxRequests?: number | null;
  readonly allowedModels?: readonly string[];
  readonly allowedRules?: readonly string[];
  readonly rateLimits?: RateLimitOverride | null;
}

/** One audit entry. `before`/`after` never hold a secret or its hash. */
export interface AuditEntry {
  readonly id: number;
  /** ms since epoch. */
  readonly at: number;
  /** Who: `admin-api`, `cli:<user>`, … */
  readonly actor: string;
  /** What: `project.create`, `key.revoke`, … */
  readonly action: string;
  /** Which: `project:<name>` or `key:<id>`. */
  readonly target: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** Who made a change, and when (ms since epoch). */
export interface Change {
  readonly actor: string;
  readonly at: number;
}

/** Audit log page request: newest first. */
export interface AuditQuery {
  /** At most this many (default 100, capped at 1000). */
  readonly limit?: number;
  /** Only entries with an id below this (paging). */
  readonly beforeId?: number;
  /** Only entries about this target. */
  readonly target?: string;
}

/** A refused store change (unknown project, duplicate name). */
export class StoreError extends Error {
  constructor(
    /** `not_found` or `conflict`. */
    readonly code: 'not_found' | 'conflict',
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** Projects, keys, request counts and audit log in a database. */
export interface AccessStore {
  /** `sqlite` or `postgres`. */
  readonly driver: 'sqlite' | 'postgres';
  /** Applies pending migrations (idempotent, safe with several replicas); resolves with the schema version. */
  migrate(): Promise<number>;

  /** Creates a project; {@link StoreError} `conflict` when it exists. */
  createProject(name: string, change: Change): Promise<Project>;
  getProject(name: string): Promise<Project | undefined>;
  listProjects(): Promise<Project[]>;
  /** Activates or deactivates; undefined when the project does not exist. */
  setProjectActive(name: string, active: boolean, change: Change): Promise<Project | undefined>;
  /** Sets (null: clears) a project's own rate limits; undefined when it does not exist. Audited. */
  setProjectRateLimits(name: string, limits: RateLimitOverride | null, change: Change): Promise<Project | undefined>;

  /** Stores a key; {@link StoreError} `not_found` when its project does not exist, `conflict` on a duplicate id. */
  createKey(key: NewKey, change: Change): Promise<StoredKey>;
  getKey(id: string): Promise<StoredKey | undefined>;
  /** Keys, oldest first, optionally of one project. */
  listKeys(filter?: { readonly project?: string }): Promise<StoredKey[]>;
  /** Changes a key; undefined when it does not exist. */
  updateKey(id: string, patch: KeyPatch, change: Change): Promise<StoredKey | undefined>;
  /** Revokes a key (idempotent); undefined when it does not exist. */
  revokeKey(id: string, change: Change): Promise<StoredKey | undefined>;
  /** The key, its project's state and its secret hash, for authentication. */
  findKeyForLookup(id: string): Promise<KeyForLookup | undefined>;
  /** Adds request counts (key id → requests) in one transaction; unknown ids are ignored. */
  addRequestCounts(counts: ReadonlyMap<string, number>): Promise<void>;

  /** Audit entries, newest first. */
  listAudit(query?: AuditQuery): Promise<AuditEntry[]>;

  /** Closes the connection(s). */
  close(): Promise<void>;
}
