/**
 * The credentials step with provider credentials per project folded in: a request
 * authenticated by a gateway key of a project that has its own credential for the backend the
 * request goes to carries that credential instead of the backend's. The credentials live in the
 * key store (src/access/project-credentials.ts implements {@link ProjectCredentialSource}); this
 * file only knows the question it asks.
 */
import type { UpstreamRequest } from './backend-credential.js';
import type { CredentialChanges, UpstreamCredentials } from './upstream-credentials.js';

/** The request path's question: the project's credential for a provider, or none. */
export interface ProjectCredentialSource {
  /**
   * The clear credential of `project` for `provider`, or undefined when it has none. Throws
   * CredentialUnavailableError when it cannot tell (store down) or the credential does not open
   * (its data key is not configured, or the row was altered): the request is then refused, never
   * sent with another credential.
   */
  find(project: string, provider: string): Promise<string | undefined>;
}

/** What the credentials step knows of a request. */
export interface CredentialStepInput {
  readonly req: UpstreamRequest;
  /** The backend the request goes to, when known (one backend on the rule, or the upstream-level call). */
  readonly backend: string | undefined;
  /** Remove client credentials even when no credential is set (gateway keys in force). */
  readonly strip: boolean;
  /** Project of the gateway key that authenticated the request; undefined when none did. */
  readonly project: string | undefined;
}

/**
 * The upstream credential of a request: the project's own credential for the backend when the
 * request was authenticated by a key of a project that has one, else the backend's (as
 * {@link UpstreamCredentials.changes}). Throws CredentialUnavailableError (→ 503) when the
 * project's credential cannot be read or opened.
 */
export async function upstreamCredentialChanges(credentials: UpstreamCredentials, projects: ProjectCredentialSource | undefined, input: CredentialStepInput): Promise<CredentialChanges> {
  if (projects && input.project !== undefined && input.backend !== undefined) {
    const secret = await projects.find(input.project, input.backend);
    if (secret !== undefined) {
      const changes = credentials.withSecret(input.req, input.backend, secret);
      if (changes) return changes;
    }
  }
  return credentials.changes(input.req, input.backend, input.strip);
}

