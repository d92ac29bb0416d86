/**
 * The service's access-control state: the store (opened on first need, once) and the cached
 * key lookup over it. `close()` writes the last request counts, then closes the store.
 */
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { CachedKeyLookup } from './cached-key-lookup.js';
import { loadCredentialCipher, type CredentialCipher } from './credential-cipher.js';
import { ExternalKeyLookup } from './external-key-lookup.js';
import type { GatewayKey, KeyLookup } from './key-lookup.js';
import { ProjectCredentialLookup } from './project-credentials.js';
import type { SecretSources } from './secret-ref.js';
import type { AccessStore } from './store.js';

/**
 * True when `config` needs the store: gateway keys on anywhere (unless an external service
 * checks them), the admin API on, the ledger on, or provider credentials per project.
 */
export function needsAccessStore(config: Config): boolean {
  const keysInStore = config.auth.external === undefined && (config.auth.enabled || config.rules.some((r) => r.access?.required === true));
  return keysInStore || config.admin.token !== undefined || config.ledger.enabled || config.auth.providerCredentials !== undefined;
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
  /** Reads the data keys of `auth.providerCredentials`; absent when none are configured. */
  readonly cipher?: () => Promise<CredentialCipher>;
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

  /**
   * "Project P, provider X → credential or none" for the credentials step; undefined when
   * `auth.providerCredentials` is not configured.
   */
  readonly projectCredentials: ProjectCredentialLookup | undefined;

  private cipherLoading: Promise<CredentialCipher> | undefined;

  constructor(private readonly opts: AccessRuntimeOptions) {
    this.projectCredentials = opts.cipher
      ? new ProjectCredentialLookup({ store: () => this.store(), cipher: () => this.cipher(), cache: opts.cache, logger: opts.logger })
      : undefined;
  }

  /**
   * The data keys of `auth.providerCredentials`, read on the first call (a failed read is
   * retried on the next); rejects when none are configured.
   */
  cipher(): Promise<CredentialCipher> {
    const load = this.opts.cipher;
    if (!load) return Promise.reject(new Error('auth.providerCredentials is not configured: provider credentials per project are off'));
    if (!this.cipherLoading) {
      const loading = load();
      this.cipherLoading = loading;
      loading.catch(() => {
        if (this.cipherLoading === loading) this.cipherLoading = undefined;
      });
    }
    return this.cipherLoading;
  }

  /** Drops a key's cached record (after a change made through this process). */
  invalidateKey(id: string): void {
    this.opened?.invalidateKey(id);
  }

  /** Drops every cached record (after a project change). */
  invalidateAll(): void {
    this.opened?.invalidateAll();
  }

  /** Drops cached project credentials (after a change made through this process). */
  invalidateProjectCredential(project: string, provider?: string): void {
    this.projectCredentials?.invalidate(project, provider);
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

/**
 * The gateway-key lookup the request path uses for a loaded config: the external service of
 * `auth.external` when it is set, else the key store's cached lookup (`access.keys`). Chosen at
 * start, like the store.
 */
export function keyLookupFor(loaded: { readonly config: Config; readonly source: string }, access: AccessRuntime, sources: AccessRuntimeSources): KeyLookup {
  const external = loaded.config.auth.external;
  if (!external) return access.keys;
  const baseDir = loaded.source === 'embedded default' ? sources.cwd : dirname(loaded.source);
  return new ExternalKeyLookup({
    config: external,
    secrets: { baseDir, ...(sources.readEnv ? { readEnv: sources.readEnv } : {}) },
    logger: sources.logger.child({ component: 'access' }),
  });
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
  const secrets: SecretSources = { baseDir, ...(sources.readEnv ? { readEnv: sources.readEnv } : {}) };
  const dataKeys = loaded.config.auth.providerCredentials;
  return new AccessRuntime({
    open: async () => (await import('./open-store.js')).openAccessStore(loaded.config.auth.store, secrets, sources.logger.child({ component: 'access' })),
    cache: loaded.config.auth.cache,
    logger: sources.logger.child({ component: 'access' }),
    ...(dataKeys ? { cipher: () => loadCredentialCipher(dataKeys, secrets) } : {}),
  });
}
