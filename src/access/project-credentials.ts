/**
 * Provider credentials per project: a project may carry its own credential for a provider (a
 * backend, named as in `rules[].backends[].name`), sealed in the key store under the data key
 * (credential-cipher.ts). A request authenticated by a gateway key of that project reaches that
 * backend with the project's credential instead of the backend's own.
 *
 * - {@link ProjectCredentialLookup} answers "project P, provider X → credential or none" on the
 *   request path: sealed rows cached like key records (`auth.cache`), opened per use, so the
 *   clear value never sits in a long-lived structure.
 *   It implements `ProjectCredentialSource` (src/credentials/project-credential.ts), whose
 *   `upstreamCredentialChanges` is the credentials step with the lookup folded in.
 * - {@link setProjectCredential} and {@link reencryptProjectCredentials} serve the admin API and
 *   the CLI.
 */
import type { Logger } from 'pino';
import { CredentialUnavailableError } from '../credentials/backend-credential.js';
import type { ProjectCredentialSource } from '../credentials/project-credential.js';
import { CredentialCipherError, type CredentialCipher, type SealedCredential } from './credential-cipher.js';
import type { AccessStore, Change, ProjectCredentialInfo, StoredProjectCredential } from './store.js';

/** Options of {@link ProjectCredentialLookup}. */
export interface ProjectCredentialLookupOptions {
  /** The store (opened on first use). */
  store(): Promise<AccessStore>;
  /** The data keys (read on first use). */
  cipher(): Promise<CredentialCipher>;
  /** `auth.cache`: rows found are reused for `ttlMs`, "none" for `negativeTtlMs`. */
  readonly cache: { readonly ttlMs: number; readonly negativeTtlMs: number; readonly maxEntries: number };
  readonly logger: Logger;
  readonly now?: () => number;
}

interface Entry {
  readonly row: StoredProjectCredential | undefined;
  readonly expires: number;
}

function cacheKey(project: string, provider: string): string {
  return `${project}\0${provider}`;
}

/** Cached "project, provider → credential" lookup over the key store. */
export class ProjectCredentialLookup implements ProjectCredentialSource {
  private readonly entries = new Map<string, Entry>();
  /** Reads in flight: concurrent misses of one row share one query. */
  private readonly loading = new Map<string, Promise<StoredProjectCredential | undefined>>();
  private readonly now: () => number;
  private epoch = 0;

  constructor(private readonly opts: ProjectCredentialLookupOptions) {
    this.now = opts.now ?? Date.now;
  }

  async find(project: string, provider: string): Promise<string | undefined> {
    const row = await this.row(project, provider);
    if (!row) return undefined;
    let cipher: CredentialCipher;
    try {
      cipher = await this.opts.cipher();
    } catch (err) {
      this.opts.logger.error({ err: { message: (err as Error).message } }, 'provider credential data key unavailable');
      throw new CredentialUnavailableError(provider, `the project's credential cannot be decrypted: data key unavailable`);
    }
    try {
      return cipher.open(row.sealed, project, provider);
    } catch (err) {
      if (!(err instanceof CredentialCipherError)) throw err;
      this.opts.logger.error({ project, provider, keyId: row.keyId, err: { message: err.message } }, 'project credential does not decrypt');
      throw new CredentialUnavailableError(provider, `the project's credential does not decrypt (data key ${JSON.stringify(row.keyId)})`);
    }
  }

  /** Drops cached rows (after a change made through this process): one, or all of a project, or all. */
  invalidate(project?: string, provider?: string): void {
    this.epoch += 1;
    this.loading.clear();
    if (project === undefined) return this.entries.clear();
    if (provider !== undefined) return void this.entries.delete(cacheKey(project, provider));
    for (const k of [...this.entries.keys()]) if (k.startsWith(`${project}\0`)) this.entries.delete(k);
  }

  private row(project: string, provider: string): Promise<StoredProjectCredential | undefined> {
    const key = cacheKey(project, provider);
    const cached = this.entries.get(key);
    if (cached && cached.expires > this.now()) return Promise.resolve(cached.row);
    let loading = this.loading.get(key);
    if (!loading) {
      const started = this.load(key, project, provider).finally(() => {
        if (this.loading.get(key) === started) this.loading.delete(key);
      });
      loading = started;
      this.loading.set(key, started);
    }
    return loading;
  }

  private async load(key: string, project: string, provider: string): Promise<StoredProjectCredential | undefined> {
    const epoch = this.epoch;
    let row: StoredProjectCredential | undefined;
    try {
      row = await (await this.opts.store()).getProjectCredential(project, provider);
    } catch (err) {
      this.opts.logger.error({ err }, 'reading a project credential failed');
      throw new CredentialUnavailableError(provider, 'the key store cannot be read');
    }
    const ttl = row ? this.opts.cache.ttlMs : this.opts.cache.negativeTtlMs;
    if (ttl > 0 && epoch === this.epoch) {
      this.entries.delete(key);
      this.entries.set(key, { row, expires: this.now() + ttl });
      while (this.entries.size > this.opts.cache.maxEntries) {
        const oldest = this.entries.keys().next().value;
        if (oldest === undefined) break;
        this.entries.delete(oldest);
      }
    }
    return row;
  }
}

/** Seals `secret` and stores it as `project`'s credential for `provider` (audited, the value never). */
export function setProjectCredential(store: AccessStore, cipher: CredentialCipher, input: { project: string; provider: string; secret: string }, change: Change): Promise<ProjectCredentialInfo> {
  return store.setProjectCredential(input.project, input.provider, cipher.seal(input.secret, input.project, input.provider), change);
}

/** What {@link reencryptProjectCredentials} did. */
export interface ReencryptResult {
  /** Credentials moved to the current data key. */
  readonly reencrypted: number;
  /** Changed by someone else meanwhile (they are under the current key already, or run again). */
  readonly skipped: number;
  /** Sealed under a key id that is not configured: listed, left as they are. */
  readonly unreadable: ReadonlyArray<{ readonly project: string; readonly provider: string; readonly keyId: string }>;
}

/**
 * Moves every credential sealed under an older data key to the current one (each audited as
 * `project_credential.reencrypt`). Safe to run while the service serves and to run again: a row
 * changed meanwhile is skipped, not overwritten.
 */
export async function reencryptProjectCredentials(store: AccessStore, cipher: CredentialCipher, change: Change): Promise<ReencryptResult> {
  let reencrypted = 0;
  let skipped = 0;
  const unreadable: Array<{ project: string; provider: string; keyId: string }> = [];
  for (const row of await store.listProjectCredentialsNotUnder(cipher.currentKeyId)) {
    let clear: string;
    try {
      clear = cipher.open(row.sealed, row.project, row.provider);
    } catch (err) {
      if (!(err instanceof CredentialCipherError)) throw err;
      unreadable.push({ project: row.project, provider: row.provider, keyId: row.keyId });
      continue;
    }
    const next: SealedCredential = cipher.seal(clear, row.project, row.provider);
    if (await store.replaceSealedCredential(row.project, row.provider, row.sealed, next, change)) reencrypted += 1;
    else skipped += 1;
  }
  return { reencrypted, skipped, unreadable };
}
