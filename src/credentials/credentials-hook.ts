/**
 * Upstream credentials as a hook. Router level (`onRequest`): a rule with a single backend gets
 * that backend's credential; client credentials are removed whenever gateway keys are required.
 * Upstream level (`onAttempt`, once per try after Envoy picked the cluster): the picked
 * backend's credential, so retries and fallbacks each carry the right key. A SigV4 credential
 * signs the body, so its attempts hold the body; it runs after every hook that changes the body
 * or path (the list puts it last) so it signs what is sent.
 */
import type { Logger } from 'pino';
import { keyRequired } from '../config/key-required.js';
import type { BackendConfig, Config } from '../config/schema.js';
import { clientError } from '../error-catalogue.js';
import type { Hook } from '../hooks/hook.js';
import type { HeaderChanges } from '../hooks/phase.js';
import { CredentialUnavailableError } from './backend-credential.js';
import type { CredentialChanges, UpstreamCredentials } from './upstream-credentials.js';

function asChanges(c: CredentialChanges): HeaderChanges | undefined {
  return c.set.length || c.remove.length ? { set: c.set, remove: c.remove } : undefined;
}

/** The credentials hook of `config` over the backends' credentials `creds`. */
export function credentialsHook(config: Config, creds: UpstreamCredentials, logger: Logger): Hook {
  const signsBody = (backend: BackendConfig | undefined): boolean => backend !== undefined && creds.has(backend.name) && backend.auth?.aws !== undefined;
  const unavailable = (err: CredentialUnavailableError, where: Record<string, string | undefined>): never => {
    logger.error({ err: { message: err.message }, ...where }, 'upstream credential unavailable');
    throw clientError('upstream_credential_unavailable');
  };
  return {
    name: 'credentials',
    async onRequest(req) {
      if (req.kind === 'listing') return undefined;
      try {
        const c = await creds.changes({ method: req.method, path: req.upstreamPath, headers: req.headers, body: req.body }, req.backend?.name, keyRequired(config, req.rule));
        const headers = asChanges(c);
        return headers ? { headers } : undefined;
      } catch (err) {
        if (err instanceof CredentialUnavailableError) return unavailable(err, { rule: req.rule });
        throw err;
      }
    },
    attemptNeedsBody(attempt) {
      return signsBody(attempt.backend);
    },
    async onAttempt(attempt) {
      const signs = signsBody(attempt.backend);
      // Without a signature over the body everything is decided on the headers; with one, the
      // headers only lose the client's credentials, and the signature comes with the body.
      if (attempt.stage === 'body' && !signs) return undefined;
      const stripOnly = signs && attempt.stage === 'headers' && attempt.body === undefined;
      try {
        const c = await creds.changes(
          { method: attempt.method, path: attempt.path, headers: attempt.headers, body: attempt.body },
          stripOnly ? undefined : attempt.backend?.name,
          stripOnly || keyRequired(config, attempt.rule),
        );
        const headers = asChanges(c);
        return headers ? { headers } : undefined;
      } catch (err) {
        if (err instanceof CredentialUnavailableError) return unavailable(err, { cluster: attempt.cluster });
        throw err;
      }
    },
  };
}
