/**
 * The credentials of every backend of one config generation, and the one rule that decides what
 * an upstream request carries: a backend with a credential gets exactly that credential (every
 * client credential header and `?key=` removed); without one, client credentials are removed
 * when gateway keys are in force (the client's key is ours, never a provider's) and left alone
 * otherwise (passthrough).
 */
import type { Config, BackendConfig } from '../config/schema.js';
import { backendsByClusterName } from '../envoy/bootstrap-clusters.js';
import { apiKeyHeaders, apiKeyKind, BackendCredential, checkedSecret, type CredentialOptions, type SecretSources, type UpstreamRequest } from './backend-credential.js';
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
  private readonly backends = new Map<string, BackendConfig>();
  private readonly byCluster: Map<string, BackendConfig>;

  /** `opts.baseDir`: where relative secret file names are resolved from (the config file's directory). */
  constructor(config: Config, sources: SecretSources, opts: CredentialOptions = { baseDir: '.' }) {
    for (const rule of config.rules) {
      for (const b of rule.backends) {
        if (this.backends.has(b.name)) continue;
        this.backends.set(b.name, b);
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
    const set = cred ? [...(await cred.headers({ ...req, path })).set] : [];
    return this.replacing(req, path, set, cred?.kind === 'sigv4');
  }

  /**
   * What to change on `req` bound for `backend` so that it carries `secret` — a project's own
   * credential for that backend — instead of the backend's: sent the way the backend's schema
   * sends an API key (a Bedrock backend gets it as a Bedrock API key, `Authorization: Bearer`),
   * every client credential and any signature of the client removed. Undefined when `backend`
   * is not in this config. Throws CredentialUnavailableError for a secret no header can carry.
   */
  withSecret(req: UpstreamRequest, backend: string, secret: string): CredentialChanges | undefined {
    const b = this.backends.get(backend);
    if (!b) return undefined;
    const set = [...apiKeyHeaders(apiKeyKind(b), checkedSecret(backend, secret), req).set];
    return this.replacing(req, withoutQueryKey(req.path), set, true);
  }

  private replacing(req: UpstreamRequest, path: string, set: Array<readonly [string, string]>, signing: boolean): CredentialChanges {
    const changedPath = path !== req.path ? path : undefined;
    const names = signing ? [...CLIENT_CREDENTIAL_HEADERS, ...AWS_SIGNING_HEADERS] : CLIENT_CREDENTIAL_HEADERS;
    const setNames = new Set(set.map(([k]) => k));
    const remove = [...new Set(names)].filter((h) => req.headers[h] !== undefined && !setNames.has(h));
    return { set: changedPath ? [...set, [':path', changedPath] as const] : set, remove, ...(changedPath ? { path: changedPath } : {}) };
  }
}
