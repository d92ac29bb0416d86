import { describe, expect, it } from 'vitest';
import { NO_RETRY_HEADER, RETRY_AFTER_HEADER, decideRetry, hiddenFromClient, retryHeaderChanges, type RetrySignalPolicy } from './retry-signal.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const LAST: RetrySignalPolicy = { rateLimitedStatuses: [429, 503], maxWaitMs: 30_000, hasFallback: false };

describe('decideRetry', () => {
  it('leaves statuses that are not rate limits alone', () => {
    expect(decideRetry(200, { 'retry-after': '1' }, LAST, NOW)).toEqual({ kind: 'not_rate_limited' });
    expect(decideRetry(500, {}, LAST, NOW)).toEqual({ kind: 'not_rate_limited' });
  });

  it('a wait within budget: whole seconds, rounded up, at least 1', () => {
    expect(decideRetry(429, { 'retry-after': '7' }, LAST, NOW)).toMatchObject({ kind: 'wait', seconds: 7 });
    expect(decideRetry(429, { 'x-ratelimit-reset-requests': '20ms' }, LAST, NOW)).toMatchObject({ kind: 'wait', seconds: 1 });
    expect(decideRetry(503, { 'retry-after': '2.2' }, LAST, NOW)).toMatchObject({ kind: 'wait', seconds: 3 });
    expect(decideRetry(429, { 'retry-after': '0' }, LAST, NOW)).toMatchObject({ kind: 'wait', seconds: 1 });
    expect(decideRetry(429, { 'retry-after': '30' }, LAST, NOW)).toMatchObject({ kind: 'wait', seconds: 30 });
  });

  it('a wait beyond the budget gives up (the response goes to the client)', () => {
    expect(decideRetry(429, { 'x-ratelimit-reset-tokens': '6m0s' }, LAST, NOW)).toMatchObject({ kind: 'give_up', wait: { waitMs: 360_000 } });
    expect(decideRetry(429, { 'retry-after': '31' }, LAST, NOW)).toMatchObject({ kind: 'give_up' });
  });

  it('no wait named: Envoy’s back-off', () => {
    expect(decideRetry(429, {}, LAST, NOW)).toEqual({ kind: 'no_hint' });
  });

  it('with a fallback backend the retry goes there without waiting, however long the wait', () => {
    const policy = { ...LAST, hasFallback: true };
    expect(decideRetry(429, { 'retry-after': '600' }, policy, NOW)).toMatchObject({ kind: 'fallback', wait: { waitMs: 600_000 } });
    expect(decideRetry(429, {}, policy, NOW)).toEqual({ kind: 'fallback' });
  });

  it('uses the configured statuses', () => {
    expect(decideRetry(503, { 'retry-after': '1' }, { ...LAST, rateLimitedStatuses: [429] }, NOW)).toEqual({ kind: 'not_rate_limited' });
  });
});

describe('retryHeaderChanges', () => {
  it('sets the normalised header for a wait', () => {
    expect(retryHeaderChanges({ kind: 'wait', seconds: 4, wait: { waitMs: 3500, source: 'retry-after' } }, {})).toEqual({ set: [[RETRY_AFTER_HEADER, '4']], remove: [] });
  });

  it('marks a give-up so Envoy does not retry, and drops an upstream copy of our header', () => {
    const changes = retryHeaderChanges({ kind: 'give_up', wait: { waitMs: 1e6, source: 'retry-after' } }, { [RETRY_AFTER_HEADER]: '1' });
    expect(changes).toEqual({ set: [[NO_RETRY_HEADER, 'true']], remove: [RETRY_AFTER_HEADER] });
  });

  it('never lets an upstream choose Envoy’s wait', () => {
    expect(retryHeaderChanges({ kind: 'not_rate_limited' }, { [RETRY_AFTER_HEADER]: '99' })).toEqual({ set: [], remove: [RETRY_AFTER_HEADER] });
    expect(retryHeaderChanges({ kind: 'no_hint' }, {})).toEqual({ set: [], remove: [] });
  });
});

describe('hiddenFromClient', () => {
  it('names the headers added for Envoy that are present', () => {
    expect(hiddenFromClient({ [NO_RETRY_HEADER]: 'true', 'retry-after': '600' })).toEqual([NO_RETRY_HEADER]);
    expect(hiddenFromClient({ 'retry-after': '600' })).toEqual([]);
  });
});
