/**
 * Gateway keys as a hook: where a key is required (`auth.enabled`, or the rule's
 * `access.required`), the presented key is authenticated for the request's model and rule (the
 * models list: the key alone) and becomes the request's caller; the key's request is counted
 * once every hook has let the request through (`onForward`).
 */
import type { Logger } from 'pino';
import { keyRequired } from '../config/key-required.js';
import type { Config } from '../config/schema.js';
import { clientError } from '../error-catalogue.js';
import type { Hook } from '../hooks/hook.js';
import { authenticate } from './authenticate.js';
import type { KeyLookup } from './key-lookup.js';
import { presentedKey } from './presented-key.js';

/** The keys hook of `config`; `keys` absent: no key store is open (requests that need a key get 503). */
export function keysHook(config: Config, keys: KeyLookup | undefined, logger: Logger, now: () => number = Date.now): Hook {
  return {
    name: 'keys',
    async onRequest(req) {
      if (!keyRequired(config, req.rule)) return undefined;
      if (!keys) {
        logger.error('gateway keys are required but no key store is configured');
        throw clientError('key_store_unavailable');
      }
      const key = await authenticate(keys, presentedKey(req.headers, req.path, req.api?.provider), {
        model: req.model,
        rule: req.rule,
        now: now(),
        ...(req.kind === 'listing' ? { listing: true } : {}),
      });
      const limits = {
        ...(key.rateLimits ? { key: key.rateLimits } : {}),
        ...(key.projectRateLimits ? { project: key.projectRateLimits } : {}),
      };
      return { caller: { id: key.id, project: key.project, ...(limits.key || limits.project ? { rateLimits: limits } : {}) } };
    },
    onForward(req) {
      if (req.caller && keys) keys.countRequest(req.caller.id);
    },
  };
}
