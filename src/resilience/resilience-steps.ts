/**
 * The resilience work of the request path, as three steps the request path calls:
 *
 * 1. {@link admitRequest} — router level, once the rule is chosen: a browser origin the rule does
 *    not allow is refused (403); the rule's backends are checked against their circuit breakers,
 *    and the surviving set is named in {@link BACKENDS_HEADER} (a route variant of the generated
 *    Envoy config), or the fast 503 is answered when none is left. A client's own copy of the
 *    header is always removed.
 * 2. {@link onAttemptResponse} — upstream level, each attempt's response headers: the provider's
 *    rate-limit wait becomes the header Envoy's retry reads (or stops the retry), the attempt's
 *    status feeds its backend's breaker, and the backend's name rides along to the router level.
 * 3. {@link onFinalResponse} — router level, response headers: the headers added for Envoy are
 *    removed before the client sees them, and the backend that answered is read from them.
 *
 * Everything is pure over its inputs except the breaker board it is handed.
 */
import type { Config, RuleConfig } from '../config/schema.js';
import type { UserFacingError } from '../errors.js';
import { attemptBackend } from './attempt-backend.js';
import { servedBy, servedByHeader, retrySignalPolicy } from './attempt-policy.js';
import { BACKENDS_HEADER, setName } from './backend-sets.js';
import { BackendsUnavailableError, type BreakerBoard } from './breaker-board.js';
import { originPolicyOf, refuseOrigin } from './cors-origin.js';
import { decideRetry, hiddenFromClient, retryHeaderChanges, type RetryDecision } from './retry-signal.js';

/** Header changes: sets (overwrite or add) and removals. */
export interface ResilienceHeaderChanges {
  readonly set: ReadonlyArray<readonly [string, string]>;
  readonly remove: readonly string[];
}

/** What {@link admitRequest} decided. */
export type Admission =
  | { readonly kind: 'continue'; readonly headers: ResilienceHeaderChanges; readonly backends?: readonly string[] }
  | { readonly kind: 'refuse'; readonly error: UserFacingError };

/**
 * Router level, after routing to `rule`: CORS narrowing, then the breakers. `headers` are the
 * request headers (lower-case names, `:method` included).
 */
export function admitRequest(config: Config, board: BreakerBoard | undefined, rule: RuleConfig, headers: Readonly<Record<string, string>>): Admission {
  const refused = refuseOrigin(headers, originPolicyOf(config, rule));
  if (refused) return { kind: 'refuse', error: refused };
  const remove = headers[BACKENDS_HEADER] !== undefined ? [BACKENDS_HEADER] : [];
  const admission = board?.admit(rule.backends.map((b) => b.name)) ?? { kind: 'all' as const };
  if (admission.kind === 'none') return { kind: 'refuse', error: new BackendsUnavailableError(rule.name, admission.retryAfterSeconds) };
  if (admission.kind === 'all') return { kind: 'continue', headers: { set: [], remove } };
  const ordered = orderedSet(rule, admission.backends);
  return { kind: 'continue', headers: { set: [[BACKENDS_HEADER, setName(ordered)]], remove: [] }, backends: ordered };
}

/** The surviving backends in the order the generated sets name them (priority, then config order). */
function orderedSet(rule: RuleConfig, survivors: readonly string[]): string[] {
  return [...rule.backends]
    .map((b, i) => ({ b, i }))
    .sort((x, y) => (x.b.priority ?? 0) - (y.b.priority ?? 0) || x.i - y.i)
    .map(({ b }) => b.name)
    .filter((n) => survivors.includes(n));
}

/** What {@link onAttemptResponse} decided, for logs and tests. */
export interface AttemptOutcome {
  readonly headers: ResilienceHeaderChanges;
  readonly backend: string | undefined;
  readonly decision: RetryDecision | undefined;
}

/** Where an attempt went: its endpoint's metadata, else the backend of a single-backend cluster. */
export interface AttemptWhere {
  /** Attributes Envoy sent (`xds.upstream_host_metadata`…). */
  readonly attributes?: Readonly<Record<string, unknown>> | undefined;
  /** The route header (the rule name) on the attempt's request. */
  readonly rule?: string | undefined;
  /** The backend behind the cluster, when the cluster has one backend. */
  readonly clusterBackend?: string | undefined;
}

/** Upstream level, an attempt's response headers (`:status` included, lower-case names). */
export function onAttemptResponse(
  config: Config,
  board: BreakerBoard | undefined,
  where: AttemptWhere,
  headers: Readonly<Record<string, string>>,
  nowMs: number,
): AttemptOutcome {
  const identity = attemptBackend(where.attributes);
  const ruleName = identity?.rule ?? where.rule;
  const backend = identity?.backend ?? where.clusterBackend;
  const rule = config.rules.find((r) => r.name === ruleName);
  const status = Number(headers[':status']);
  if (backend !== undefined && Number.isInteger(status)) board?.observe(backend, status);
  if (!rule || !Number.isInteger(status)) return { headers: { set: [], remove: [] }, backend, decision: undefined };
  const decision = decideRetry(status, headers, retrySignalPolicy(config, rule, backend), nowMs);
  const changes = retryHeaderChanges(decision, headers);
  const set = backend !== undefined ? [...changes.set, servedByHeader(backend)] : changes.set;
  return { headers: { set, remove: changes.remove }, backend, decision };
}

/** What {@link onFinalResponse} found. */
export interface FinalResponse {
  /** Headers to remove before the client sees the response. */
  readonly remove: readonly string[];
  /** The backend that answered, when the per-attempt path named it. */
  readonly backend: string | undefined;
}

/** Router level, response headers. */
export function onFinalResponse(headers: Readonly<Record<string, string>>): FinalResponse {
  return { remove: hiddenFromClient(headers), backend: servedBy(headers) };
}
