/**
 * The credentials of every backend of one config generation, and the one rule that decides what
 * an upstream request carries: a backend with a credential gets exactly that credential (every
 * client credential header and `?key=` removed); without one, client credentials are removed
 * when gateway keys are in force (the client's key is ours, never a provider's) and left alone
 * otherwise (passthrough).
 */
import type { Config, BackendConfig } from '../config/schema.js';
import { backendsByClusterName } from '../envoy/bootstrap-clusters.js';
import { BackendCredential, type CredentialOptions, type SecretSources, type UpstreamRequest } from './backend-credential.js';
import { AWS_SIGNING_HEADERS, CLIENT_CREDENTIAL_HEADERS, withoutQueryKey } from './client-credentials.js';

/** Changes to make to an upstream request. */
export interface CredentialChanges {
  readonly set: Array<readonly [string, string]>;
  readonly remove: string[];
  /** New `:path` when the client's `?key=` was removed. */
  readonly path?: string;
}

/** Backend credentials of one generation. */
export class UpstreamCredentials {
  private readonly byBackend = new Map<string, BackendCredential>();
  private readonly byCluster: Map<string, BackendConfig>;

  /** `opts.baseDir`: where relative secret file names are resolved from (the config file's directory). */
  constructor(config: Config, sources: SecretSources, opts: CredentialOptions = { baseDir: '.' }) {
    for (const rule of config.rules) {
      for (const b of rule.backends) {
        if (this.byBackend.has(b.name)) continue;
        const cred = BackendCredential.of(b, sources, opts);
        if (cred) this.byBackend.set(b.name, cred);
      }
    }
    this.byCluster = backendsByClusterName(config);
  }

  /** True when at least one backend has a credential (the upstream-level filter is worth running). */
  get any(): boolean {
    return this.byBackend.size > 0;
  }

  /** The backend behind a generated Envoy cluster name. */
  backendOfCluster(cluster: string): BackendConfig | undefined {
    return this.byCluster.get(cluster);
  }

  /** True when `backend` has a credential. */
  has(backend: string): boolean {
    return this.byBackend.has(backend);
  }

  /**
   * What to change on `req` bound for `backend` (undefined: not known yet, e.g. several backends
   * and Envoy picks). `strip`: remove client credentials even when no credential is set.
   * Throws CredentialUnavailableError when the backend's credential cannot be produced.
   */
  async changes(req: UpstreamRequest, backend: string | undefined, strip: boolean): Promise<CredentialChanges> {
    const cred = backend !== undefined ? this.byBackend.get(backend) : undefined;
    if (!cred && !strip) return { set: [], remove: [] };
    const path = withoutQueryKey(req.path);
    const changedPath = path !== req.path ? path : undefined;
    const names = cred?.kind === 'sigv4' ? [...CLIENT_CREDENTIAL_HEADERS, ...AWS_SIGNING_HEADERS] : CLIENT_CREDENTIAL_HEADERS;
    const set = cred ? [...(await cred.headers({ ...req, path })).set] : [];
    const setNames = new Set(set.map(([k]) => k));
    const remove = [...new Set(names)].filter((h) => req.headers[h] !== undefined && !setNames.has(h));
    return { set: changedPath ? [...set, [':path', changedPath] as const] : set, remove, ...(changedPath ? { path: changedPath } : {}) };
  }
}
