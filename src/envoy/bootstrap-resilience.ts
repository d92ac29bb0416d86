/**
 * The resilience side of the generated Envoy config, from `resilience.*` and `rules[].retry`:
 *
 * - the retry policy of each rule route: 5xx, resets and connect failures, plus
 *   `retriable_status_codes` (429 by default), Envoy's exponential back-off, and
 *   `rate_limited_retry_back_off` reading the one header the per-attempt path normalises the
 *   provider's wait into (see src/resilience/retry-signal.ts); a per-try timeout when configured;
 * - for a failover rule (backends at several priorities): `retry_priority` previous_priorities,
 *   so each retry moves to the next priority, and previous_hosts;
 * - outlier detection for clusters with more than one host;
 * - the retry budget in each cluster's circuit breakers.
 */
import type { Config, RuleConfig } from '../config/schema.js';
import { effectiveRetry, type RetryConfig } from '../config/resilience-schema.js';
import { RETRY_AFTER_HEADER } from '../resilience/retry-signal.js';

type Json = Record<string, unknown>;

/** A Duration in Envoy's JSON form from milliseconds. */
export function ms(n: number): string {
  return `${n / 1000}s`;
}

/** True when a rule's backends sit at more than one priority: Envoy fails over across them. */
export function isFailoverRule(rule: RuleConfig): boolean {
  return new Set(rule.backends.map((b) => b.priority ?? 0)).size > 1;
}

/** A rule's retry settings: its own over `resilience.retry`. */
export function ruleRetry(config: Config, rule: RuleConfig): RetryConfig {
  return effectiveRetry(config.resilience.retry, rule.retry);
}

/** True when attempts of this rule need the per-attempt response path (the provider's wait). */
export function wantsRetrySignal(config: Config, rule: RuleConfig): boolean {
  const r = ruleRetry(config, rule);
  return r.numRetries > 0 && r.rateLimitedStatuses.length > 0;
}

/** True when any rule needs per-attempt responses (provider waits, or breaker outcomes). */
export function wantsAttemptResponses(config: Config): boolean {
  return config.resilience.breaker.enabled || config.rules.some((r) => wantsRetrySignal(config, r));
}

/** The retry policy of one rule route. Idle bound per attempt: see bootstrap-routes.ts. */
export function retryPolicy(config: Config, rule: RuleConfig, idleTimeout: string): Json {
  const r = ruleRetry(config, rule);
  const failover = isFailoverRule(rule);
  const on = ['connect-failure', 'refused-stream', 'reset', '5xx'];
  if (r.retriableStatusCodes.length > 0) on.push('retriable-status-codes');
  const policy: Json = {
    retry_on: on.join(','),
    // A failover rule needs at least one retry per fallback backend.
    num_retries: failover ? Math.max(r.numRetries, rule.backends.length - 1) : r.numRetries,
    ...(r.retriableStatusCodes.length > 0 ? { retriable_status_codes: [...r.retriableStatusCodes] } : {}),
    retry_back_off: { base_interval: ms(r.backOff.baseIntervalMs), max_interval: ms(r.backOff.maxIntervalMs) },
    ...(wantsRetrySignal(config, rule)
      ? { rate_limited_retry_back_off: { reset_headers: [{ name: RETRY_AFTER_HEADER, format: 'SECONDS' }], max_interval: ms(r.maxRateLimitWaitMs) } }
      : {}),
    ...(r.perTryTimeoutMs !== undefined ? { per_try_timeout: ms(r.perTryTimeoutMs) } : {}),
    // Not per_try_timeout by default: it bounds each attempt until its response headers, which a
    // long non-streaming generation sends only at the end. The idle variant bounds silence only.
    per_try_idle_timeout: idleTimeout,
  };
  if (failover) {
    policy['retry_priority'] = {
      name: 'envoy.retry_priorities.previous_priorities',
      typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig', update_frequency: 1 },
    };
    policy['retry_host_predicate'] = [
      { name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } },
    ];
    policy['host_selection_retry_max_attempts'] = 3;
  }
  return policy;
}

/** Outlier detection for a cluster with more than one host (undefined when turned off). */
export function outlierDetection(config: Config): Json | undefined {
  const o = config.resilience.outlierDetection;
  if (!o.enabled) return undefined;
  return {
    consecutive_5xx: o.consecutive5xx,
    interval: ms(o.intervalMs),
    base_ejection_time: ms(o.baseEjectionTimeMs),
    max_ejection_percent: o.maxEjectionPercent,
    // Connect failures and resets count on their own, not as 5xx.
    split_external_local_origin_errors: true,
    consecutive_local_origin_failure: o.consecutiveLocalOriginFailure,
  };
}

/** Circuit breakers sized for long-lived LLM streams, with the configured retry budget (see bootstrap-clusters.ts). */
export function retryBudget(config: Config | undefined): Json {
  const r = config?.resilience.retry;
  return { budget_percent: { value: r?.budgetPercent ?? 20 }, min_retry_concurrency: r?.minRetryConcurrency ?? 10 };
}
