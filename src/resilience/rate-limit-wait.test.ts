import { describe, expect, it } from 'vitest';
import { parseGoDuration, parseRetryAfter, parseRetryAfterMs, parseRfc3339Wait, providerWait } from './rate-limit-wait.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds, fractions included', () => {
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('7', NOW)).toBe(7000);
    expect(parseRetryAfter(' 30 ', NOW)).toBe(30_000);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
  });

  it('reads the three HTTP date forms as GMT, counted from now', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:20 GMT', NOW)).toBe(20_000);
    expect(parseRetryAfter('Sunday, 01-Mar-26 12:01:00 GMT', NOW)).toBe(60_000);
    expect(parseRetryAfter('Sun Mar  1 12:00:05 2026', NOW)).toBe(5000);
  });

  it('counts a date in the past as no wait', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', NOW)).toBe(0);
  });

  it('refuses what is neither', () => {
    for (const v of [undefined, '', '-1', '1e3', 'soon', '12:00:00', 'Sun, 99 Foo 2026 GMT']) expect(parseRetryAfter(v, NOW)).toBeUndefined();
  });
});

describe('parseRetryAfterMs', () => {
  it('reads milliseconds', () => {
    expect(parseRetryAfterMs('250')).toBe(250);
    expect(parseRetryAfterMs('12.5')).toBe(12.5);
    expect(parseRetryAfterMs('abc')).toBeUndefined();
    expect(parseRetryAfterMs('-5')).toBeUndefined();
  });
});

describe('parseGoDuration (OpenAI reset headers)', () => {
  it.each([
    ['6m0s', 360_000],
    ['20ms', 20],
    ['1s', 1000],
    ['0s', 0],
    ['0', 0],
    ['1.5s', 1500],
    ['1h2m3s', 3_723_000],
    ['17ms', 17],
    ['500us', 0.5],
    ['2m30.5s', 150_500],
  ])('%s → %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 6);
  });

  it.each(['', 's', '6m0', 'abc', '1d', '5 s', '-1s', '1s '.repeat(0) + '1x'])('refuses %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe('parseRfc3339Wait (Anthropic reset headers)', () => {
  it('reads instants with Z or an offset, fractions included', () => {
    expect(parseRfc3339Wait('2026-03-01T12:00:30Z', NOW)).toBe(30_000);
    expect(parseRfc3339Wait('2026-03-01T13:00:10+01:00', NOW)).toBe(10_000);
    expect(parseRfc3339Wait('2026-03-01T12:00:00.250Z', NOW)).toBe(250);
    expect(parseRfc3339Wait('2026-03-01T11:59:00Z', NOW)).toBe(0);
  });

  it('refuses what is not RFC 3339 (no zone, a date only, garbage)', () => {
    for (const v of ['2026-03-01T12:00:30', '2026-03-01', 'tomorrow', undefined]) expect(parseRfc3339Wait(v, NOW)).toBeUndefined();
  });
});

describe('providerWait', () => {
  it('prefers retry-after-ms, then retry-after', () => {
    expect(providerWait({ 'retry-after-ms': '800', 'retry-after': '3' }, NOW)).toEqual({ waitMs: 800, source: 'retry-after-ms' });
    expect(providerWait({ 'retry-after': '3', 'x-ratelimit-reset-requests': '1s' }, NOW)).toEqual({ waitMs: 3000, source: 'retry-after' });
  });

  it('OpenAI: the reset of the limit that is used up', () => {
    const headers = {
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '20ms',
      'x-ratelimit-remaining-tokens': '1500',
      'x-ratelimit-reset-tokens': '6m0s',
    };
    expect(providerWait(headers, NOW)).toEqual({ waitMs: 20, source: 'openai-reset' });
    expect(providerWait({ ...headers, 'x-ratelimit-remaining-tokens': '0' }, NOW)).toEqual({ waitMs: 360_000, source: 'openai-reset' });
  });

  it('OpenAI: without remaining counts, the longest reset', () => {
    expect(providerWait({ 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '4s' }, NOW)).toEqual({ waitMs: 4000, source: 'openai-reset' });
  });

  it('Anthropic: the reset instant of the exhausted limit', () => {
    const headers = {
      'anthropic-ratelimit-requests-remaining': '10',
      'anthropic-ratelimit-requests-reset': '2026-03-01T12:01:00Z',
      'anthropic-ratelimit-input-tokens-remaining': '0',
      'anthropic-ratelimit-input-tokens-reset': '2026-03-01T12:00:12Z',
    };
    expect(providerWait(headers, NOW)).toEqual({ waitMs: 12_000, source: 'anthropic-reset' });
  });

  it('skips values it cannot read and answers undefined when nothing names a wait', () => {
    expect(providerWait({ 'retry-after': 'later', 'x-ratelimit-reset-tokens': '2s' }, NOW)).toEqual({ waitMs: 2000, source: 'openai-reset' });
    expect(providerWait({ 'content-type': 'application/json' }, NOW)).toBeUndefined();
    expect(providerWait({ 'x-ratelimit-reset-requests': 'soon' }, NOW)).toBeUndefined();
  });
});
