/**
 * The circuit breakers of one replica, one per backend name, and what routing does with them:
 * which of a rule's backends may take a request now, or — when none may — the fast 503 the
 * client gets, in its API's error shape, with `retry-after`.
 *
 * Outcomes come from the per-attempt (upstream-level) response path — the status of each attempt
 * on the backend that served it — or, without it, from the final response. Statuses in
 * `failureStatuses` are transient failures; any other status is a success (the backend answered).
 *
 * State is exported through the injected OpenTelemetry meter: `llm_extproc.breaker.state`
 * (0 closed, 1 half-open, 2 open, per backend) and `llm_extproc.breaker.transitions`.
 */
import type { Counter, Meter } from '@opentelemetry/api';
import { CLIENT_ERRORS } from '../error-catalogue.js';
import { UserFacingError, type WithReplyHeaders } from '../errors.js';
import { CircuitBreaker, type BreakerPolicy, type BreakerSnapshot, type BreakerState } from './circuit-breaker.js';

/** Gauge of each backend's breaker state. */
export const BREAKER_STATE_METRIC = 'llm_extproc.breaker.state';
/** Counter of breaker state changes. */
export const BREAKER_TRANSITIONS_METRIC = 'llm_extproc.breaker.transitions';

const STATE_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, half_open: 1, open: 2 };

/** Settings of every breaker on the board. */
export interface BreakerBoardPolicy extends BreakerPolicy {
  /** Off: every backend is always available and nothing is recorded. */
  readonly enabled: boolean;
  /** Statuses that count as transient failures. */
  readonly failureStatuses: readonly number[];
}

/** Which of a rule's backends may take a request. */
export type Admission =
  /** All of them: route as usual. */
  | { readonly kind: 'all' }
  /** Only these (priority order kept): route to the variant for this set. */
  | { readonly kind: 'some'; readonly backends: readonly string[] }
  /** None: answer {@link BackendsUnavailableError}. */
  | { readonly kind: 'none'; readonly retryAfterSeconds: number };

/** The fast 503 when every backend of a rule has an open breaker. */
export class BackendsUnavailableError extends UserFacingError implements WithReplyHeaders {
  /** `retry-after` on the reply. */
  readonly replyHeaders: Readonly<Record<string, string>>;

  constructor(rule: string, retryAfterSeconds: number) {
    const e = CLIENT_ERRORS.backends_unavailable;
    super(e.status, 'backends_unavailable', e.message({ rule, retryAfterSeconds }));
    this.replyHeaders = { 'retry-after': String(retryAfterSeconds) };
  }
}

/** Options of {@link BreakerBoard}. */
export interface BreakerBoardOptions {
  readonly policy: BreakerBoardPolicy;
  readonly meter: Meter;
  /** Clock (ms since the epoch); default `Date.now`. */
  readonly now?: () => number;
}

/** All breakers of this replica. Survives config reloads ({@link setPolicy}); state is per replica. */
export class BreakerBoard {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private policy: BreakerBoardPolicy;
  private readonly now: () => number;
  private readonly transitions: Counter;

  constructor(opts: BreakerBoardOptions) {
    this.policy = opts.policy;
    this.now = opts.now ?? Date.now;
    this.transitions = opts.meter.createCounter(BREAKER_TRANSITIONS_METRIC, { description: 'Circuit breaker state changes, by backend and state', unit: '{transition}' });
    opts.meter
      .createObservableGauge(BREAKER_STATE_METRIC, { description: 'Circuit breaker state per backend: 0 closed, 1 half-open, 2 open' })
      .addCallback((result) => {
        for (const [backend, b] of this.breakers) result.observe(STATE_VALUE[b.state()], { backend });
      });
  }

  /** Takes the settings of a new config generation; breakers keep their state. */
  setPolicy(policy: BreakerBoardPolicy): void {
    this.policy = policy;
    for (const b of this.breakers.values()) b.setPolicy(policy);
  }

  /** Reports the status one attempt on `backend` ended with. */
  observe(backend: string, status: number): void {
    if (!this.policy.enabled) return;
    const b = this.breaker(backend);
    if (this.policy.failureStatuses.includes(status)) b.recordFailure();
    else b.recordSuccess();
  }

  /** Reports an attempt on `backend` that got no response at all (connect failure, reset). */
  observeNoResponse(backend: string): void {
    if (this.policy.enabled) this.breaker(backend).recordFailure();
  }

  /**
   * Which of `backends` (a rule's, in priority order) may take a request now. A half-open
   * backend is admitted for one probe at a time.
   */
  admit(backends: readonly string[]): Admission {
    if (!this.policy.enabled || backends.length === 0) return { kind: 'all' };
    const open = backends.filter((name) => !this.breaker(name).available());
    if (open.length === backends.length) {
      const waits = backends.map((name) => this.breaker(name).retryAfterMs());
      return { kind: 'none', retryAfterSeconds: Math.max(1, Math.ceil(Math.min(...waits) / 1000)) };
    }
    const admitted = backends.filter((name) => !open.includes(name));
    for (const name of admitted) this.breaker(name).tryAcquire();
    return open.length === 0 ? { kind: 'all' } : { kind: 'some', backends: admitted };
  }

  /** Every breaker's state, for the debug endpoint. */
  snapshot(): Record<string, BreakerSnapshot> {
    return Object.fromEntries([...this.breakers].map(([name, b]) => [name, b.snapshot()]));
  }

  private breaker(backend: string): CircuitBreaker {
    let b = this.breakers.get(backend);
    if (!b) {
      b = new CircuitBreaker(this.policy, this.now, (from, to) => this.transitions.add(1, { backend, from, to }));
      this.breakers.set(backend, b);
    }
    return b;
  }
}
