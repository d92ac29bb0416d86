/**
 * Gateway-key checks: is a key required for this request, is the presented key known and usable
 * for this model and rule. Every refusal is a {@link UserFacingError} with a stable code:
 *
 * | status | code | when |
 * |---|---|---|
 * | 401 | `missing_api_key` | no key presented |
 * | 401 | `invalid_api_key` | the key is unknown |
 * | 403 | `key_revoked` | the key was revoked |
 * | 403 | `key_expired` | past its expiry |
 * | 403 | `key_request_limit` | its request budget is used up |
 * | 403 | `project_inactive` | its project is deactivated |
 * | 403 | `model_not_allowed` | the model matches none of its allowed models |
 * | 403 | `rule_not_allowed` | the rule is not among its allowed rules |
 * | 503 | `key_store_unavailable` | the key store failed |
 */
import { clientError } from '../error-catalogue.js';
import type { UserFacingError } from '../errors.js';
import { globAny } from './glob.js';
import type { GatewayKey, KeyLookup } from './key-lookup.js';

/** What the request is for. Undefined model or rule: not known (restricted keys are then refused). */
export interface AccessTarget {
  readonly model: string | undefined;
  readonly rule: string | undefined;
  /** Current time, ms since epoch. */
  readonly now: number;
  /** A request for no model (the models list): model and rule restrictions do not apply. */
  readonly listing?: boolean;
}

/** Checks a found key against `target`; throws the refusal. */
export function checkKey(key: GatewayKey, target: AccessTarget): void {
  if (key.revoked) throw clientError('key_revoked');
  if (key.expiresAt !== null && key.expiresAt <= target.now) throw clientError('key_expired');
  if (!key.projectActive) throw clientError('project_inactive');
  if (key.maxRequests !== null && key.requestCount >= key.maxRequests) {
    throw clientError('key_request_limit');
  }
  if (target.listing) return;
  if (key.allowedModels.length > 0 && (target.model === undefined || !globAny(key.allowedModels, target.model))) {
    throw clientError('model_not_allowed', { model: target.model });
  }
  if (key.allowedRules.length > 0 && (target.rule === undefined || !key.allowedRules.includes(target.rule))) {
    throw clientError('rule_not_allowed');
  }
}

/**
 * Finds `secret` in `keys` and checks it for `target`. Returns the key; the caller counts the
 * request (`keys.countRequest`) once every other check has passed too. Throws the refusal
 * ({@link UserFacingError}).
 */
export async function authenticate(keys: KeyLookup, secret: string | undefined, target: AccessTarget): Promise<GatewayKey> {
  if (!secret) throw clientError('missing_api_key');
  let key: GatewayKey | undefined;
  try {
    key = await keys.find(secret);
  } catch {
    throw clientError('key_store_unavailable');
  }
  if (!key) throw clientError('invalid_api_key');
  checkKey(key, target);
  return key;
}
