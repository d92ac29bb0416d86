/**
 * The request-path hook list of a config generation, in order. Adding a request-path feature
 * is one folder with its hook and one line here. The order is the contract documented in
 * docs/architecture.md "Hooks":
 *
 * 1. `keys`: who is calling (the caller later hooks, budgets and the ledger see);
 * 2. `budgets`: refuse a caller whose spend budget is used up;
 * 3. `policy`: request line, required headers, body rules; policy header changes;
 * 4. `rate-limits`: requests and tokens per minute (takes the request's count, so it runs after
 *    the checks that refuse for other reasons);
 * 5. users' hooks (`hooks:` in config), in their order;
 * 6. `prompt-caching`: cache hints in the body and headers;
 * 7. `translation`: per attempt, the request rewritten for a backend that speaks another API,
 *    and its response rewritten back;
 * 8. `credentials`: the provider credential, last of the hooks that change the request, so a
 *    SigV4 signature covers the body and path as sent;
 * 9. outcome recorders: `usage` (cost counter, ledger, budget spend) and the service's own
 *    counters and request log.
 */
import type { Logger } from 'pino';
import { keysHook } from '../access/keys-hook.js';
import type { KeyLookup } from '../access/key-lookup.js';
import type { Config } from '../config/schema.js';
import { credentialsHook } from '../credentials/credentials-hook.js';
import type { UpstreamCredentials } from '../credentials/upstream-credentials.js';
import type { Hook } from '../hooks/hook.js';
import type { BudgetGate } from '../ledger/budgets.js';
import { budgetsHook } from '../ledger/budgets-hook.js';
import { policyHook } from '../policy/policy-hook.js';
import { promptCachingHook } from '../prompt-caching/prompt-caching-hook.js';
import type { CounterStore } from '../rate-limits/counter-store.js';
import { rateLimitsHook, type RateLimitInstruments } from '../rate-limits/rate-limits-hook.js';
import type { Meter } from '@opentelemetry/api';
import { translationHook } from '../translation/translation-hook.js';

/** The process-wide parts the features' hooks are built over. */
export interface HookServices {
  readonly logger: Logger;
  /** Gateway-key lookup; absent: no key store (requests that need a key get 503). */
  readonly keys?: KeyLookup;
  /** Spend budgets (the ledger's); absent when the ledger is off. */
  readonly budgets?: BudgetGate;
  /** This generation's backend credentials; absent: requests keep their headers. */
  readonly credentials?: UpstreamCredentials;
  /** Outcome hooks built once per process (usage recorder, service record), run last. */
  readonly recorders: readonly Hook[];
  /** Rate-limit counters and instruments (process-wide); absent: no rate limits. */
  readonly rateLimits?: { readonly store: CounterStore; readonly instruments: RateLimitInstruments; readonly meter: Meter; readonly now?: () => number };
}

/** The hook list of `config`, with the users' hooks `user` in their place. */
export function hookList(config: Config, services: HookServices, user: readonly Hook[]): Hook[] {
  const logger = services.logger;
  return [
    keysHook(config, services.keys, logger.child({ component: 'keys' })),
    ...(services.budgets ? [budgetsHook(config, services.budgets)] : []),
    policyHook(config),
    ...(services.rateLimits && (config.rateLimits.limits.length || services.keys)
      ? [rateLimitsHook(config, { store: services.rateLimits.store, logger: logger.child({ component: 'rate-limits' }), meter: services.rateLimits.meter, ...(services.rateLimits.now ? { now: services.rateLimits.now } : {}) }, services.rateLimits.instruments)]
      : []),
    ...user,
    promptCachingHook(config, logger.child({ component: 'prompt-caching' })),
    translationHook(logger.child({ component: 'translation' })),
    ...(services.credentials ? [credentialsHook(config, services.credentials, logger.child({ component: 'credentials' }))] : []),
    ...services.recorders,
  ];
}
