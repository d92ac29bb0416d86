import { SERVED_BY_HEADER } from '../hooks/hook.js';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { servedBy, servedByHeader, backendOfAttempt, hasFallbackAfter, retrySignalPolicy } from './attempt-policy.js';
import { CLIENT_HIDDEN_HEADERS } from './retry-signal.js';

const config = parseConfig(
  `
resilience: { retry: { maxRateLimitWaitMs: 20000 } }
rules:
  - name: chat
    retry: { rateLimitedStatuses: [429] }
    backends:
      - { name: openai, host: api.openai.com }
      - { name: azure, host: acme.openai.azure.com, priority: 1, modelNameOverride: gpt-4o-prod }
  - name: single
    retry: { numRetries: 0 }
    backends: [{ name: local, host: vllm.svc, port: 8000, tls: false }]
`,
  'test',
).config;
const rule = (name: string) => config.rules.find((r) => r.name === name)!;

describe('backendOfAttempt', () => {
  it('finds the backend config of an attempt, or nothing for names the config lacks', () => {
    expect(backendOfAttempt(config, { rule: 'chat', backend: 'azure' })?.backend.modelNameOverride).toBe('gpt-4o-prod');
    expect(backendOfAttempt(config, { rule: 'chat', backend: 'nope' })).toBeUndefined();
    expect(backendOfAttempt(config, { rule: 'gone', backend: 'azure' })).toBeUndefined();
  });
});

describe('retrySignalPolicy', () => {
  it('knows whether a later priority follows the backend', () => {
    expect(hasFallbackAfter(rule('chat'), 'openai')).toBe(true);
    expect(hasFallbackAfter(rule('chat'), 'azure')).toBe(false);
    expect(retrySignalPolicy(config, rule('chat'), 'openai')).toEqual({ rateLimitedStatuses: [429], maxWaitMs: 20_000, hasFallback: true });
    expect(retrySignalPolicy(config, rule('chat'), 'azure').hasFallback).toBe(false);
  });

  it('honours no wait on a rule that does not retry', () => {
    expect(retrySignalPolicy(config, rule('single'), undefined).rateLimitedStatuses).toEqual([]);
  });
});

describe('servedBy', () => {
  it('round-trips the backend through the attempt response, a header the client never sees', () => {
    const [name, value] = servedByHeader('azure');
    expect(servedBy({ [name]: value })).toBe('azure');
    expect(servedBy({})).toBeUndefined();
    expect(CLIENT_HIDDEN_HEADERS).toContain(SERVED_BY_HEADER);
  });
});
