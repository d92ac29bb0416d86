/**
 * Per-attempt (upstream-level) response: turns the provider's rate-limit headers into the one
 * form Envoy's `rate_limited_retry_back_off` reads, and tells Envoy when not to retry.
 *
 * Envoy's facts this relies on (envoyproxy/envoy `source/common/router/reset_header_parser.cc`
 * and `retry_state_impl.cc`, and the `RetryPolicy.RateLimitedRetryBackOff` API docs):
 * - a reset header in `SECONDS` format is parsed as a whole number of seconds; a value longer than
 *   `max_interval` is discarded, and then Envoy falls back to its exponential back-off — it
 *   still retries;
 * - a response carrying `x-envoy-ratelimited` is never retried unless `retry_on` lists
 *   `envoy-ratelimited` (the generated config does not).
 *
 * So for a rate-limited status (429, or 503 with a wait) on the last backend of a rule:
 * - a wait that fits the rule's budget → {@link RETRY_AFTER_HEADER} = the wait in whole seconds
 *   (at least 1): Envoy retries after that long;
 * - a wait that does not fit → `x-envoy-ratelimited`: Envoy does not retry and the response goes
 *   back; the router-level response path removes both headers again
 *   ({@link CLIENT_HIDDEN_HEADERS}), so the client gets the provider's response unchanged;
 * - no wait named → nothing: Envoy's exponential back-off decides.
 * When the rule has a later (fallback) backend, no wait is set: the retry goes to the next
 * priority, which is not rate-limited, after Envoy's short exponential back-off.
 */
import { SERVED_BY_HEADER } from '../hooks/hook.js';
import { providerWait, type ProviderWait } from './rate-limit-wait.js';

/** The normalised reset header Envoy reads (`reset_headers`, format SECONDS). */
export const RETRY_AFTER_HEADER = 'x-llm-extproc-retry-after';

/** Envoy never retries a response carrying this header (unless `retry_on: envoy-ratelimited`). */
export const NO_RETRY_HEADER = 'x-envoy-ratelimited';

/** Headers the per-attempt path may add that the client must not see. */
export const CLIENT_HIDDEN_HEADERS: readonly string[] = [RETRY_AFTER_HEADER, NO_RETRY_HEADER, SERVED_BY_HEADER];

/** What decides a per-attempt response. */
export interface RetrySignalPolicy {
  /** Statuses whose wait is honoured (default 429 and 503). */
  readonly rateLimitedStatuses: readonly number[];
  /** Longest wait worth a retry; longer ones go back to the client. */
  readonly maxWaitMs: number;
  /** True when the rule has a backend after the one that answered (a fallback priority). */
  readonly hasFallback: boolean;
}

/** The decision for one attempt's response. */
export type RetryDecision =
  /** Not a rate-limited status: nothing to do. */
  | { readonly kind: 'not_rate_limited' }
  /** A later priority takes the retry; no wait. */
  | { readonly kind: 'fallback'; readonly wait?: ProviderWait }
  /** Retry on this backend after `seconds`. */
  | { readonly kind: 'wait'; readonly seconds: number; readonly wait: ProviderWait }
  /** The wait does not fit the budget: return the response, no retry. */
  | { readonly kind: 'give_up'; readonly wait: ProviderWait }
  /** No wait named: Envoy's own back-off. */
  | { readonly kind: 'no_hint' };

/** Header changes for one attempt's response headers. */
export interface RetryHeaderChanges {
  readonly set: ReadonlyArray<readonly [string, string]>;
  readonly remove: readonly string[];
}

/** Decides what Envoy should do with one attempt's response (`headers` lower-cased). */
export function decideRetry(status: number, headers: Readonly<Record<string, string>>, policy: RetrySignalPolicy, nowMs: number): RetryDecision {
  if (!policy.rateLimitedStatuses.includes(status)) return { kind: 'not_rate_limited' };
  const wait = providerWait(headers, nowMs);
  if (policy.hasFallback) return wait ? { kind: 'fallback', wait } : { kind: 'fallback' };
  if (!wait) return { kind: 'no_hint' };
  if (wait.waitMs > policy.maxWaitMs) return { kind: 'give_up', wait };
  return { kind: 'wait', seconds: Math.max(1, Math.ceil(wait.waitMs / 1000)), wait };
}

/**
 * The header changes for `decision`. Any copy of {@link RETRY_AFTER_HEADER} the upstream sent is
 * removed: only llm-extproc decides how long Envoy waits.
 */
export function retryHeaderChanges(decision: RetryDecision, headers: Readonly<Record<string, string>>): RetryHeaderChanges {
  const remove = headers[RETRY_AFTER_HEADER] !== undefined ? [RETRY_AFTER_HEADER] : [];
  switch (decision.kind) {
    case 'wait':
      return { set: [[RETRY_AFTER_HEADER, String(decision.seconds)]], remove: [] };
    case 'give_up':
      return { set: [[NO_RETRY_HEADER, 'true']], remove };
    default:
      return { set: [], remove };
  }
}

/**
 * Router-level response headers: removes what the per-attempt path added for Envoy, so the client
 * sees the provider's headers only. Returns the names to remove (empty when none is present).
 */
export function hiddenFromClient(headers: Readonly<Record<string, string>>): string[] {
  return CLIENT_HIDDEN_HEADERS.filter((h) => headers[h] !== undefined);
}
