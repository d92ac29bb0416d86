/**
 * The service's access-control state: the store (opened on first need, once) and the cached
 * key lookup over it. `close()` writes the last request counts, then closes the store.
 */
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { CachedKeyLookup } from './cached-key-lookup.js';
import type { GatewayKey, KeyLookup } from './key-lookup.js';
import type { AccessStore } from './store.js';

/** True when `config` needs the store: gateway keys on anywhere, the admin API on, or the ledger on. */
export function needsAccessStore(config: Config): boolean {
  return config.auth.enabled || config.admin.token !== undefined || config.ledger.enabled || config.rules.some((r) => r.access?.required === true);
}

/** Options of {@link AccessRuntime}. */
export interface AccessRuntimeOptions {
  /** Opens and migrates the store. */
  open(): Promise<AccessStore>;
  /** `auth.cache` of the config the service started with. */
  readonly cache: Config['auth']['cache'];
  readonly logger: Logger;
  /** Request counts are written this often (default 1000 ms). */
  readonly flushIntervalMs?: number;
}

/** Lazily opened store + key lookup. */
export class AccessRuntime {
  private opening: Promise<{ store: AccessStore; lookup: CachedKeyLookup }> | undefined;
  private opened: CachedKeyLookup | undefined;
  private closed = false;

  /** The key lookup for the request path: opens the store on the first `find`. */
  readonly keys: KeyLookup = {
    find: async (secret: string): Promise<GatewayKey | undefined> => (await this.lookup()).find(secret),
    // A key is counted only after `find` returned it, so the lookup exists by then.
    countRequest: (keyId: string): void => this.opened?.countRequest(keyId),
  };

  constructor(private readonly opts: AccessRuntimeOptions) {}

  /** Drops a key's cached record (after a change made through this process). */
  invalidateKey(id: string): void {
    this.opened?.invalidateKey(id);
  }

  /** Drops every cached record (after a project change). */
  invalidateAll(): void {
    this.opened?.invalidateAll();
  }

  /** The store, opened on the first call; a failed open is retried on the next call. */
  async store(): Promise<AccessStore> {
    return (await this.open()).store;
  }

  /** The key lookup (opens the store). */
  async lookup(): Promise<CachedKeyLookup> {
    return (await this.open()).lookup;
  }

  /** Writes pending request counts and closes the store (when it was opened). */
  async close(): Promise<void> {
    this.closed = true;
    const opened = await this.opening?.catch(() => undefined);
    if (!opened) return;
    try {
      await opened.lookup.close();
    } finally {
      await opened.store.close();
    }
  }

  private open(): Promise<{ store: AccessStore; lookup: CachedKeyLookup }> {
    if (this.closed) return Promise.reject(new Error('the access store is closed'));
    if (!this.opening) {
      const opening = this.opts.open().then((store) => ({
        store,
        lookup: new CachedKeyLookup({
          store,
          logger: this.opts.logger,
          cache: this.opts.cache,
          ...(this.opts.flushIntervalMs !== undefined ? { flushIntervalMs: this.opts.flushIntervalMs } : {}),
        }),
      }));
      this.opening = opening;
      opening.then(
        (o) => {
          this.opened = o.lookup;
        },
        () => undefined,
      );
      opening.catch(() => {
        if (this.opening === opening) this.opening = undefined;
      });
    }
    return this.opening;
  }
}

/** Where the runtime of a config reads its store settings and secrets. */
export interface AccessRuntimeSources {
  readonly logger: Logger;
  /** Directory for an embedded config's relative paths. */
  readonly cwd: string;
  readonly readEnv?: (name: string) => string | undefined;
}

/**
 * The runtime for a loaded config's `auth.store` and `auth.cache` (store settings apply at
 * start; a reload does not move the store). Relative paths resolve against the config file's
 * directory. The drivers are imported only when the store is first opened.
 */
export function accessRuntimeFor(loaded: { readonly config: Config; readonly source: string }, sources: AccessRuntimeSources): AccessRuntime {
  const baseDir = loaded.source === 'embedded default' ? sources.cwd : dirname(loaded.source);
  return new AccessRuntime({
    open: async () =>
      (await import('./open-store.js')).openAccessStore(
        loaded.config.auth.store,
        { baseDir, ...(sources.readEnv ? { readEnv: sources.readEnv } : {}) },
        sources.logger.child({ component: 'access' }),
      ),
    cache: loaded.config.auth.cache,
    logger: sources.logger.child({ component: 'access' }),
  });
}
