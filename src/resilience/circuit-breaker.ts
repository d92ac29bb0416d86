/**
 * A circuit breaker for one backend, in one replica: after `failureThreshold` consecutive
 * transient failures it opens for `cooldownMs`; then it is half-open and lets one probe through.
 * The probe's success closes it, its failure opens it again for another cooldown. A probe that
 * never reports (the request went elsewhere, or was cancelled) frees its slot after a cooldown.
 *
 * Time comes from an injected clock; transitions are reported to an optional listener.
 */

/** Breaker states. */
export type BreakerState = 'closed' | 'open' | 'half_open';

/** Settings of a breaker. */
export interface BreakerPolicy {
  /** Consecutive failures that open the breaker (≥ 1). */
  readonly failureThreshold: number;
  /** How long it stays open before a probe is let through. */
  readonly cooldownMs: number;
}

/** Called on every state change. */
export type TransitionListener = (from: BreakerState, to: BreakerState) => void;

/** What a breaker shows on the debug endpoint. */
export interface BreakerSnapshot {
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  /** When it last opened (ms since the epoch), if it has. */
  readonly openedAt?: number;
  /** Milliseconds until a probe may go, while open. */
  readonly retryAfterMs: number;
}

/** One backend's breaker. */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt: number | undefined;
  private probeSince: number | undefined;

  constructor(
    private policy: BreakerPolicy,
    private readonly now: () => number,
    private readonly onTransition?: TransitionListener,
  ) {}

  /** Replaces the policy (a config reload); the state is kept. */
  setPolicy(policy: BreakerPolicy): void {
    this.policy = policy;
  }

  /** The state now: an open breaker whose cooldown has passed reads as half-open. */
  state(): BreakerState {
    if (this.current === 'open' && this.openedAt !== undefined && this.now() - this.openedAt >= this.policy.cooldownMs) this.move('half_open');
    return this.current;
  }

  /**
   * May a request use this backend now? Closed: yes. Open: no. Half-open: yes for one probe at a
   * time (taking the probe slot), no while a probe is out.
   */
  tryAcquire(): boolean {
    const s = this.state();
    if (s === 'closed') return true;
    if (s === 'open') return false;
    const t = this.now();
    if (this.probeSince !== undefined && t - this.probeSince < this.policy.cooldownMs) return false;
    this.probeSince = t;
    return true;
  }

  /** True when the backend could take a request now, without taking the probe slot. */
  available(): boolean {
    const s = this.state();
    if (s === 'closed') return true;
    if (s === 'open') return false;
    return this.probeSince === undefined || this.now() - this.probeSince >= this.policy.cooldownMs;
  }

  /** Reports a success of this backend. */
  recordSuccess(): void {
    this.failures = 0;
    this.probeSince = undefined;
    if (this.state() !== 'closed') this.move('closed');
  }

  /** Reports a transient failure of this backend. */
  recordFailure(): void {
    this.failures += 1;
    const s = this.state();
    if (s === 'half_open' || (s === 'closed' && this.failures >= this.policy.failureThreshold)) this.open();
  }

  /** Milliseconds until a probe may go (0 unless open). */
  retryAfterMs(): number {
    if (this.state() !== 'open' || this.openedAt === undefined) return 0;
    return Math.max(0, this.openedAt + this.policy.cooldownMs - this.now());
  }

  /** State for the debug endpoint. */
  snapshot(): BreakerSnapshot {
    const state = this.state();
    return { state, consecutiveFailures: this.failures, ...(this.openedAt !== undefined ? { openedAt: this.openedAt } : {}), retryAfterMs: this.retryAfterMs() };
  }

  private open(): void {
    this.openedAt = this.now();
    this.probeSince = undefined;
    this.move('open');
  }

  private move(to: BreakerState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.onTransition?.(from, to);
  }
}
