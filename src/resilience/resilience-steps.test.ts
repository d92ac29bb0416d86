import { SERVED_BY_HEADER } from '../hooks/hook.js';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { HOST_METADATA_ATTRIBUTE, identityMetadata } from './attempt-backend.js';
import { BACKENDS_HEADER } from './backend-sets.js';
import { BreakerBoard } from './breaker-board.js';
import { admitRequest, onAttemptResponse, onFinalResponse } from './resilience-steps.js';
import { resilienceHook } from './resilience-hook.js';
import { fakeHookRequest } from '../testing/hook-contract.js';
import { NO_RETRY_HEADER, RETRY_AFTER_HEADER } from './retry-signal.js';

const config = parseConfig(
  `
resilience: { breaker: { enabled: true, failureThreshold: 2, cooldownMs: 10000 }, retry: { maxRateLimitWaitMs: 20000 } }
cors: { allowOrigins: ["https://app.example.com"] }
rules:
  - name: chat
    backends:
      - { name: azure, host: acme.openai.azure.com, priority: 1 }
      - { name: openai, host: api.openai.com, priority: 0 }
      - { name: local, host: vllm.svc, port: 8000, tls: false, priority: 2 }
  - name: solo
    backends: [{ name: anthropic, host: api.anthropic.com }]
`,
  'test',
).config;
const rule = (n: string) => config.rules.find((r) => r.name === n)!;
const NOW = Date.parse('2026-03-01T12:00:00Z');

function board() {
  let t = NOW;
  return { board: new BreakerBoard({ policy: config.resilience.breaker, meter: new MeterProvider().getMeter('t'), now: () => t }), advance: (ms: number) => void (t += ms) };
}
const attempt = (backend: string) => ({ attributes: { [HOST_METADATA_ATTRIBUTE]: { filter_metadata: identityMetadata('chat', backend) } } });

describe('admitRequest', () => {
  it('routes as usual while every breaker is closed, dropping a client’s copy of the backends header', () => {
    const { board: b } = board();
    expect(admitRequest(config, b, rule('chat'), { ':method': 'POST', [BACKENDS_HEADER]: 'local' })).toEqual({ kind: 'continue', headers: { set: [], remove: [BACKENDS_HEADER] } });
  });

  it('names the surviving set, in priority order, when a backend’s breaker is open', () => {
    const { board: b } = board();
    for (let i = 0; i < 2; i++) onAttemptResponse(config, b, attempt('openai'), { ':status': '503' }, NOW);
    expect(admitRequest(config, b, rule('chat'), { ':method': 'POST' })).toEqual({
      kind: 'continue',
      headers: { set: [[BACKENDS_HEADER, 'azure,local']], remove: [] },
      backends: ['azure', 'local'],
    });
  });

  it('answers the fast 503 with retry-after when no backend is left', () => {
    const { board: b, advance } = board();
    onAttemptResponse(config, b, { rule: 'solo', clusterBackend: 'anthropic' }, { ':status': '500' }, NOW);
    onAttemptResponse(config, b, { rule: 'solo', clusterBackend: 'anthropic' }, { ':status': '529' }, NOW); // not a failure status: resets
    onAttemptResponse(config, b, { rule: 'solo', clusterBackend: 'anthropic' }, { ':status': '500' }, NOW);
    onAttemptResponse(config, b, { rule: 'solo', clusterBackend: 'anthropic' }, { ':status': '502' }, NOW);
    advance(2500);
    const a = admitRequest(config, b, rule('solo'), { ':method': 'POST' });
    expect(a).toMatchObject({ kind: 'refuse', error: { status: 503, code: 'backends_unavailable', replyHeaders: { 'retry-after': '8' } } });
  });

  it('refuses a browser origin the policy does not allow, before the breakers', () => {
    expect(admitRequest(config, undefined, rule('chat'), { ':method': 'POST', origin: 'https://evil.example' })).toMatchObject({ kind: 'refuse', error: { status: 403 } });
    expect(admitRequest(config, undefined, rule('chat'), { ':method': 'POST', origin: 'https://app.example.com' }).kind).toBe('continue');
  });
});

describe('onAttemptResponse', () => {
  it('a rate-limited primary: no wait (the next priority takes it), and the backend is named', () => {
    const out = onAttemptResponse(config, undefined, attempt('openai'), { ':status': '429', 'retry-after': '5' }, NOW);
    expect(out.decision?.kind).toBe('fallback');
    expect(out.headers).toEqual({ set: [[SERVED_BY_HEADER, 'openai']], remove: [] });
  });

  it('the last priority: the normalised wait when it fits, else no retry', () => {
    expect(onAttemptResponse(config, undefined, attempt('local'), { ':status': '429', 'retry-after': '5' }, NOW).headers.set).toEqual([
      [RETRY_AFTER_HEADER, '5'],
      [SERVED_BY_HEADER, 'local'],
    ]);
    expect(onAttemptResponse(config, undefined, attempt('local'), { ':status': '429', 'x-ratelimit-reset-requests': '1m0s' }, NOW).headers.set).toEqual([
      [NO_RETRY_HEADER, 'true'],
      [SERVED_BY_HEADER, 'local'],
    ]);
  });

  it('a single-backend cluster is identified by its cluster, the rule by the route header', () => {
    const out = onAttemptResponse(config, undefined, { rule: 'solo', clusterBackend: 'anthropic' }, { ':status': '429', 'retry-after': '2' }, NOW);
    expect(out.decision).toMatchObject({ kind: 'wait', seconds: 2 });
    expect(out.backend).toBe('anthropic');
  });

  it('leaves a response it cannot place alone', () => {
    expect(onAttemptResponse(config, undefined, {}, { ':status': '429' }, NOW)).toEqual({ headers: { set: [], remove: [] }, backend: undefined, decision: undefined });
  });
});

describe('onFinalResponse', () => {
  it('removes what was added for Envoy and reads the backend that answered', () => {
    expect(onFinalResponse({ [SERVED_BY_HEADER]: 'azure', [NO_RETRY_HEADER]: 'true', 'retry-after': '60' })).toEqual({ remove: [NO_RETRY_HEADER, SERVED_BY_HEADER], backend: 'azure' });
    expect(onFinalResponse({ 'content-type': 'application/json' })).toEqual({ remove: [], backend: undefined });
  });
});

describe('resilienceHook', () => {
  it('drops a client’s copy of the backends header on requests it does not route', () => {
    const hook = resilienceHook(config, undefined);
    const passthrough = fakeHookRequest({ kind: 'passthrough', rule: undefined, headers: { [BACKENDS_HEADER]: 'local' } });
    expect(hook.onRequest!(passthrough)).toEqual({ headers: { remove: [BACKENDS_HEADER] } });
    expect(hook.onRequest!(fakeHookRequest({ kind: 'passthrough', rule: undefined }))).toBeUndefined();
    const routed = fakeHookRequest({ config, rule: 'chat', headers: { [BACKENDS_HEADER]: 'local' } });
    expect(hook.onRequest!(routed)).toMatchObject({ headers: { set: [], remove: [BACKENDS_HEADER] } });
  });
});
