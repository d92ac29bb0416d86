import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerState } from './circuit-breaker.js';

function setup(failureThreshold = 3, cooldownMs = 1000) {
  let t = 10_000;
  const moves: Array<[BreakerState, BreakerState]> = [];
  const b = new CircuitBreaker({ failureThreshold, cooldownMs }, () => t, (from, to) => moves.push([from, to]));
  return { b, moves, advance: (ms: number) => void (t += ms), now: () => t };
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold; a success resets the count', () => {
    const { b } = setup(3);
    b.recordFailure();
    b.recordFailure();
    b.recordSuccess();
    b.recordFailure();
    b.recordFailure();
    expect(b.state()).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
  });

  it('opens after N consecutive failures and refuses requests for the cooldown', () => {
    const { b, moves, advance } = setup(3, 1000);
    for (let i = 0; i < 3; i++) b.recordFailure();
    expect(b.state()).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    expect(b.available()).toBe(false);
    advance(400);
    expect(b.retryAfterMs()).toBe(600);
    expect(b.tryAcquire()).toBe(false);
    expect(moves).toEqual([['closed', 'open']]);
  });

  it('after the cooldown lets exactly one probe through (half-open)', () => {
    const { b, advance } = setup(1, 1000);
    b.recordFailure();
    advance(1000);
    expect(b.state()).toBe('half_open');
    expect(b.available()).toBe(true);
    expect(b.tryAcquire()).toBe(true);
    expect(b.available()).toBe(false);
    expect(b.tryAcquire()).toBe(false);
  });

  it('a successful probe closes it', () => {
    const { b, moves, advance } = setup(1, 1000);
    b.recordFailure();
    advance(1000);
    b.tryAcquire();
    b.recordSuccess();
    expect(b.state()).toBe('closed');
    expect(b.snapshot()).toMatchObject({ state: 'closed', consecutiveFailures: 0, retryAfterMs: 0 });
    expect(moves).toEqual([
      ['closed', 'open'],
      ['open', 'half_open'],
      ['half_open', 'closed'],
    ]);
  });

  it('a failed probe opens it again for a full cooldown', () => {
    const { b, advance, now } = setup(2, 1000);
    b.recordFailure();
    b.recordFailure();
    advance(1500);
    expect(b.tryAcquire()).toBe(true);
    b.recordFailure();
    expect(b.state()).toBe('open');
    expect(b.snapshot()).toMatchObject({ state: 'open', openedAt: now(), retryAfterMs: 1000 });
  });

  it('a probe that never reports frees its slot after a cooldown', () => {
    const { b, advance } = setup(1, 1000);
    b.recordFailure();
    advance(1000);
    expect(b.tryAcquire()).toBe(true);
    advance(999);
    expect(b.tryAcquire()).toBe(false);
    advance(1);
    expect(b.tryAcquire()).toBe(true);
  });

  it('a new policy applies to the running breaker', () => {
    const { b, advance } = setup(1, 10_000);
    b.recordFailure();
    b.setPolicy({ failureThreshold: 1, cooldownMs: 100 });
    advance(100);
    expect(b.state()).toBe('half_open');
  });
});
