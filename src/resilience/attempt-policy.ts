/**
 * What the per-attempt (upstream-level) path needs to know about the backend an attempt went to:
 * its config (credential, model name), whether a fallback priority follows it (then a
 * rate-limited attempt is retried there without waiting), and the retry budget its provider's
 * wait is checked against. Also the response header through which an attempt tells the
 * router-level response path which backend answered, so usage, cost and the ledger record it.
 */
import type { BackendConfig, Config, RuleConfig } from '../config/schema.js';
import { effectiveRetry } from '../config/resilience-schema.js';
import type { AttemptBackend } from './attempt-backend.js';
import type { RetrySignalPolicy } from './retry-signal.js';
import { SERVED_BY_HEADER } from '../hooks/hook.js';

/** The rule and backend config of an attempt, when the config has them. */
export function backendOfAttempt(config: Pick<Config, 'rules'>, attempt: AttemptBackend): { rule: RuleConfig; backend: BackendConfig } | undefined {
  const rule = config.rules.find((r) => r.name === attempt.rule);
  const backend = rule?.backends.find((b) => b.name === attempt.backend);
  return rule && backend ? { rule, backend } : undefined;
}

/** True when `rule` has a backend at a later priority than `backend`. */
export function hasFallbackAfter(rule: RuleConfig, backend: string): boolean {
  const own = rule.backends.find((b) => b.name === backend);
  if (!own) return false;
  const p = own.priority ?? 0;
  return rule.backends.some((b) => (b.priority ?? 0) > p);
}

/** The retry decision settings for an attempt of `rule` on `backend` (undefined backend: not a failover attempt). */
export function retrySignalPolicy(config: Pick<Config, 'resilience'>, rule: RuleConfig, backend: string | undefined): RetrySignalPolicy {
  const r = effectiveRetry(config.resilience.retry, rule.retry);
  return {
    rateLimitedStatuses: r.numRetries > 0 ? r.rateLimitedStatuses : [],
    maxWaitMs: r.maxRateLimitWaitMs,
    hasFallback: backend !== undefined && hasFallbackAfter(rule, backend),
  };
}

/** The header an attempt's response carries to name its backend. */
export function servedByHeader(backend: string): readonly [string, string] {
  return [SERVED_BY_HEADER, backend];
}

/** The backend named on a response by the per-attempt path, if any. */
export function servedBy(headers: Readonly<Record<string, string>>): string | undefined {
  const v = headers[SERVED_BY_HEADER];
  return v !== undefined && v !== '' ? v : undefined;
}
