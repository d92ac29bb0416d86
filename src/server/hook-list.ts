/**
 * The request-path hook list of a config generation, in order. Adding a request-path feature
 * is one folder with its hook and one line here. The order is the contract documented in
 * docs/architecture.md "Hooks":
 *
 * 1. `keys`: who is calling (the caller later hooks, budgets and the ledger see);
 * 2. `budgets`: refuse a caller whose spend budget is used up;
 * 3. `policy`: request line, required headers, body rules; policy header changes;
 * 4. `resilience`: a rule's CORS origins, the circuit breakers (the backends left, or a fast
 *    503); per attempt, the provider's rate-limit wait for Envoy's retry;
 * 5. `rate-limits`: requests and tokens per minute (takes the request's count, so it runs after
 *    the checks that refuse for other reasons);
 * 6. users' hooks (`hooks:` in config), in their order;
 * 7. `cache`: the response cache answers a hit (only requests every hook above let through)
 *    and records a miss; it keys on the body as the users' hooks left it;
 * 8. `translation`: per attempt, the request rewritten for a backend that speaks another API,
 *    and its response rewritten back;
 * 9. `prompt-caching`: cache hints in the body and headers — at the router level, or, for a rule
 *    with a backend reached by translation, per attempt in the dialect of the translated body
 *    (so it runs after `translation`);
 * 10. `credentials`: the provider credential, last of the hooks that change the request, so a
 *    SigV4 signature covers the body and path as sent;
 * 11. outcome recorders: `usage` (cost counter, ledger, budget spend) and the service's own
 *    counters and request log.
 */
import type { Logger } from 'pino';
import { keysHook } from '../access/keys-hook.js';
import type { KeyLookup } from '../access/key-lookup.js';
import type { Config } from '../config/schema.js';
import { credentialsHook } from '../credentials/credentials-hook.js';
import type { ProjectCredentialSource } from '../credentials/project-credential.js';
import type { UpstreamCredentials } from '../credentials/upstream-credentials.js';
import type { Hook } from '../hooks/hook.js';
import type { BudgetGate } from '../ledger/budgets.js';
import { cacheHook } from '../cache/cache-hook.js';
import type { ResponseCache } from '../cache/response-cache.js';
import { budgetsHook } from '../ledger/budgets-hook.js';
import { policyHook } from '../policy/policy-hook.js';
import { promptCachingHook } from '../prompt-caching/prompt-caching-hook.js';
import type { BreakerBoard } from '../resilience/breaker-board.js';
import { resilienceHook } from '../resilience/resilience-hook.js';
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
  /** The process's response cache; absent: no rule is cached. */
  readonly cache?: ResponseCache;
  /** The projects' own provider credentials (`auth.providerCredentials`); absent: off. */
  readonly projectCredentials?: ProjectCredentialSource;
  /** Outcome hooks built once per process (usage recorder, service record), run last. */
  readonly recorders: readonly Hook[];
  /** This replica's circuit breakers (shared by every generation); absent: none. */
  readonly breakers?: BreakerBoard;
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
    resilienceHook(config, services.breakers),
    ...(services.rateLimits && (config.rateLimits.limits.length || services.keys)
      ? [rateLimitsHook(config, { store: services.rateLimits.store, logger: logger.child({ component: 'rate-limits' }), meter: services.rateLimits.meter, ...(services.rateLimits.now ? { now: services.rateLimits.now } : {}) }, services.rateLimits.instruments)]
      : []),
    ...user,
    ...(services.cache ? [cacheHook(config, services.cache)] : []),
    translationHook(logger.child({ component: 'translation' })),
    promptCachingHook(config, logger.child({ component: 'prompt-caching' })),
    ...(services.credentials ? [credentialsHook(config, services.credentials, logger.child({ component: 'credentials' }), services.projectCredentials)] : []),
    ...services.recorders,
  ];
}
