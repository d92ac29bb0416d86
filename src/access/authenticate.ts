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
import { UserFacingError } from '../errors.js';
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
  if (key.revoked) throw new UserFacingError(403, 'key_revoked', 'this API key has been revoked');
  if (key.expiresAt !== null && key.expiresAt <= target.now) throw new UserFacingError(403, 'key_expired', 'this API key has expired');
  if (!key.projectActive) throw new UserFacingError(403, 'project_inactive', 'the project of this API key is not active');
  if (key.maxRequests !== null && key.requestCount >= key.maxRequests) {
    throw new UserFacingError(403, 'key_request_limit', 'this API key has used all the requests it is allowed');
  }
  if (target.listing) return;
  if (key.allowedModels.length > 0 && (target.model === undefined || !globAny(key.allowedModels, target.model))) {
    throw new UserFacingError(
      403,
      'model_not_allowed',
      target.model === undefined ? 'this API key is limited to certain models and the model of this request is not known' : `this API key may not use model ${JSON.stringify(target.model)}`,
      'model',
    );
  }
  if (key.allowedRules.length > 0 && (target.rule === undefined || !key.allowedRules.includes(target.rule))) {
    throw new UserFacingError(403, 'rule_not_allowed', 'this API key may not use the route this request takes');
  }
}

/**
 * Finds `secret` in `keys` and checks it for `target`. Returns the key; the caller counts the
 * request (`keys.countRequest`) once every other check has passed too. Throws the refusal
 * ({@link UserFacingError}).
 */
export async function authenticate(keys: KeyLookup, secret: string | undefined, target: AccessTarget): Promise<GatewayKey> {
  if (!secret) throw new UserFacingError(401, 'missing_api_key', 'an API key is required: send it as your SDK sends its API key');
  let key: GatewayKey | undefined;
  try {
    key = await keys.find(secret);
  } catch {
    throw new UserFacingError(503, 'key_store_unavailable', 'API keys cannot be checked right now; try again');
  }
  if (!key) throw new UserFacingError(401, 'invalid_api_key', 'the API key is not valid');
  checkKey(key, target);
  return key;
}
