/**
 * The worked config of docs/operations.md ("Worked config") loads, generates an Envoy config that
 * Envoy's API accepts, and behaves as the page says, failure by failure.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../src/config/load.js';
import { generateEnvoyConfig } from '../src/envoy/bootstrap.js';
import { retrySignalPolicy } from '../src/resilience/attempt-policy.js';
import { BreakerBoard } from '../src/resilience/breaker-board.js';
import { originPolicyOf, refuseOrigin } from '../src/resilience/cors-origin.js';
import { decideRetry } from '../src/resilience/retry-signal.js';
import { ENVOY_API_ALLOWLIST } from './support/envoy-api-allowlist.js';
import { validateEnvoyConfig } from './support/envoy-validator.js';
import { REPO_ROOT } from './support/shipped-envoy-configs.js';

const FILE = 'examples/config/resilience.yaml';
const config = parseConfig(readFileSync(path.join(REPO_ROOT, FILE), 'utf8'), FILE).config;
const chat = config.rules.find((r) => r.name === 'chat')!;
const claude = config.rules.find((r) => r.name === 'claude')!;
const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('the worked resilience config', () => {
  it('is referenced by docs/operations.md and generates an Envoy config Envoy accepts', () => {
    expect(readFileSync(path.join(REPO_ROOT, 'docs/operations.md'), 'utf8')).toContain(FILE);
    const yaml = generateEnvoyConfig(config, { extprocAddress: { host: '127.0.0.1', port: 50051 }, listenerPort: 8080, full: true });
    expect(validateEnvoyConfig(yaml, { allowlist: ENVOY_API_ALLOWLIST }).map((p) => `${p.path}: ${p.message}`)).toEqual([]);
    const hcm = parse(yaml).static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
    expect(hcm.xff_num_trusted_hops).toBe(1);
  });

  it('sends a rate-limited OpenAI attempt to Azure at once, and Azure’s to vLLM', () => {
    expect(decideRetry(429, { 'x-ratelimit-reset-tokens': '6m0s' }, retrySignalPolicy(config, chat, 'openai'), NOW).kind).toBe('fallback');
    expect(decideRetry(429, { 'retry-after': '4' }, retrySignalPolicy(config, chat, 'azure'), NOW).kind).toBe('fallback');
  });

  it('waits on the last backend when the wait fits the rule’s 10 s, else returns the response', () => {
    expect(decideRetry(503, { 'retry-after': '3' }, retrySignalPolicy(config, chat, 'local'), NOW)).toMatchObject({ kind: 'wait', seconds: 3 });
    expect(decideRetry(503, { 'retry-after': '60' }, retrySignalPolicy(config, chat, 'local'), NOW).kind).toBe('give_up');
  });

  it('skips OpenAI for the cooldown after five failures, then probes it', () => {
    let t = NOW;
    const b = config.resilience.breaker;
    const board = new BreakerBoard({ policy: b, meter: new MeterProvider().getMeter('t'), now: () => t });
    for (let i = 0; i < 5; i++) board.observe('openai', 500);
    expect(board.admit(['openai', 'azure', 'local'])).toEqual({ kind: 'some', backends: ['azure', 'local'] });
    t += 30_000;
    expect(board.admit(['openai', 'azure', 'local'])).toEqual({ kind: 'all' });
  });

  it('lets the partner origin call the Claude rule only: Envoy’s preflight allows it, llm-extproc refuses it on the GPT rule', () => {
    const headers = { ':method': 'POST', origin: 'https://app.partner.example' };
    expect(refuseOrigin(headers, originPolicyOf(config, claude))).toBeUndefined();
    expect(refuseOrigin(headers, originPolicyOf(config, chat))).toMatchObject({ status: 403, code: 'origin_not_allowed' });
    expect(refuseOrigin({ ':method': 'POST', origin: 'https://app.example.com' }, originPolicyOf(config, chat))).toBeUndefined();
    const vhost = parse(generateEnvoyConfig(config, { extprocAddress: { host: '127.0.0.1', port: 50051 }, listenerPort: 8080, full: true })).static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0];
    expect(vhost.typed_per_filter_config['envoy.filters.http.cors'].allow_origin_string_match).toHaveLength(2);
  });
});
