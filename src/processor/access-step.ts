/**
 * The access step of a routed request, between routing and the reply to Envoy: request policy
 * (path, method, required headers, body rules), gateway-key authentication, policy header
 * changes, and the upstream credential (client credentials removed, the backend's set).
 * The key's request is counted only once every check has passed.
 */
import type { Logger } from 'pino';
import { authenticate } from '../access/authenticate.js';
import { keyRequired } from '../config/key-required.js';
import type { GatewayKey } from '../access/key-lookup.js';
import { presentedKey } from '../access/presented-key.js';
import { CredentialUnavailableError } from '../credentials/backend-credential.js';
import { UserFacingError } from '../errors.js';
import { checkBody } from '../policy/body-policy.js';
import { headerChanges, type HeaderVars } from '../policy/header-policy.js';
import { checkRequestLine } from '../policy/request-policy.js';
import type { Generation } from './generation.js';
import type { PhaseReply } from '../hooks/phase.js';
import { withRenamedPath } from './model-override.js';

/** What the step looks at. */
export interface AccessInput {
  /** `gen_ai.provider.name` of the detected API (where its SDK sends the key); undefined for passthrough. */
  readonly provider: string | undefined;
  readonly method: string;
  readonly path: string;
  /** Client headers (internal headers already removed). */
  readonly headers: Readonly<Record<string, string>>;
  readonly model: string | undefined;
  readonly rule: string | undefined;
  /** The body as it will go upstream; undefined when not seen. */
  readonly body: Buffer | undefined;
  /**
   * The `:path` to send upstream when it differs from `path` (a URL model renamed by
   * `modelNameOverride`): set on the request, and what credentials are computed (signed) on.
   */
  readonly upstreamPath?: string;
  /** The models list (answered locally): key checked, model and rule restrictions not. */
  readonly listing?: boolean;
}

/** Outcome of the step: header changes to add to the reply, or the refusal. */
export type AccessResult =
  | { readonly ok: true; readonly set: Array<readonly [string, string]>; readonly remove: string[]; readonly key?: GatewayKey }
  | { readonly ok: false; readonly error: UserFacingError };

/** The policies that apply to `rule`: global first. */
export function policiesOf(gen: Generation, rule: string | undefined): Array<Generation['config']['policy']> {
  const r = rule === undefined ? undefined : gen.config.rules.find((x) => x.name === rule);
  return [gen.config.policy, r?.policy];
}

/** The backend a rule's requests go to when there is exactly one (else Envoy picks, upstream). */
function singleBackend(gen: Generation, rule: string | undefined): string | undefined {
  const r = rule === undefined ? undefined : gen.config.rules.find((x) => x.name === rule);
  return r && r.backends.length === 1 ? r.backends[0]!.name : undefined;
}

/** Runs the step. Never throws for bad input: refusals come back as `{ ok: false }`. */
export async function runAccessStep(gen: Generation, input: AccessInput, logger: Logger): Promise<AccessResult> {
  const required = keyRequired(gen.config, input.rule);
  let key: GatewayKey | undefined;
  try {
    if (required) {
      if (!gen.keys) {
        logger.error('gateway keys are required but no key store is configured');
        throw new UserFacingError(503, 'key_store_unavailable', 'API keys cannot be checked right now; try again');
      }
      key = await authenticate(gen.keys, presentedKey(input.headers, input.path, input.provider), {
        model: input.model,
        rule: input.rule,
        now: Date.now(),
        ...(input.listing ? { listing: true } : {}),
      });
    }
    if (gen.budgets && !input.listing) {
      const over = gen.budgets.check(gen.config.budgets, key ? { project: key.project, keyId: key.id } : {}, Date.now());
      if (over) throw over;
    }
    const policies = policiesOf(gen, input.rule);
    const refused = checkRequestLine(policies, input.method, input.path, input.headers) ?? checkBody(policies, input.body);
    if (refused) throw refused;
    const policy = headerChanges(policies, 'requestHeaders', { request_id: input.headers['x-request-id'], model: input.model, rule: input.rule });
    const creds = gen.credentials
      ? await gen.credentials.changes({ method: input.method, path: input.upstreamPath ?? input.path, headers: input.headers, body: input.body }, singleBackend(gen, input.rule), required)
      : { set: [], remove: [] };
    const credSet = withRenamedPath(creds.set, input.upstreamPath);
    const setNames = new Set(credSet.map(([k]) => k));
    const set = [...policy.set.filter(([k]) => !setNames.has(k)), ...credSet];
    const allSet = new Set(set.map(([k]) => k));
    const remove = [...new Set([...policy.remove, ...creds.remove])].filter((h) => !allSet.has(h));
    if (key) gen.keys!.countRequest(key.id);
    return { ok: true, set, remove, ...(key ? { key } : {}) };
  } catch (err) {
    if (err instanceof UserFacingError) return { ok: false, error: err };
    if (err instanceof CredentialUnavailableError) {
      logger.error({ err: { message: err.message } }, 'upstream credential unavailable');
      return { ok: false, error: new UserFacingError(503, 'upstream_credential_unavailable', 'the gateway cannot authenticate to the provider right now') };
    }
    throw err;
  }
}

/** `reply` (a response-headers reply) with the response-header changes of the policies of `vars.rule` merged in. */
export function withResponsePolicy(gen: Generation, reply: PhaseReply, vars: HeaderVars): PhaseReply {
  if (reply.kind !== 'continue') return reply;
  const policies = policiesOf(gen, vars.rule);
  if (!policies.some((p) => p?.responseHeaders)) return reply;
  const changes = headerChanges(policies, 'responseHeaders', vars);
  const setNames = new Set(changes.set.map(([k]) => k));
  const remove = [...(reply.headers?.remove ?? []).filter((h) => !setNames.has(h)), ...changes.remove];
  const set = [...(reply.headers?.set ?? []), ...changes.set];
  return { ...reply, headers: { ...(set.length ? { set } : {}), ...(remove.length ? { remove } : {}) } };
}
