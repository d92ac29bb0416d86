/**
 * Resilience through the real service, with the Envoy-protocol harness playing the route table,
 * retry policy and clusters `llm-extproc envoy-config` generates for each config: per attempt the
 * upstream-level call puts the picked backend's key and model name on the request, normalises the
 * provider's rate-limit wait for Envoy's retry (or stops it), and feeds the backend's circuit
 * breaker; routing skips open backends; the client never sees the headers added for Envoy.
 */
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { generateEnvoyConfig } from '../../src/envoy/bootstrap.js';
import { startHarness, type Harness } from '../harness/harness.js';
import { startMockUpstream, type MockUpstream, type RecordedRequest } from '../harness/mock-upstream.js';
import { harnessRoutes, routerAllowsEnvoyHeaders } from '../support/envoy-harness-routes.js';
import { chatCompletionJson } from '../support/openai-bodies.js';
import { startService, type TestService } from '../support/service.js';

type Answer = (req: RecordedRequest, res: ServerResponse) => void;

const BASE = `
admin: { debug: true }
resilience:
  breaker: { enabled: true, failureThreshold: 2, cooldownMs: 60000 }
  retry: { maxRateLimitWaitMs: 10000 }
cors: { allowOrigins: ["https://app.example.com"] }
rules:
  - name: solo
    headers: [{ name: x-ai-eg-model, exact: gpt-solo }]
    backends:
      - { name: anthropic-ish, host: solo.example, auth: { apiKey: { key: sk-solo } } }
  - name: chat
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends:
      - { name: openai, host: api.openai.com, priority: 0, auth: { apiKey: { key: sk-openai } } }
      - { name: azure, host: acme.openai.azure.com, priority: 1, modelNameOverride: gpt-4o-prod, auth: { apiKey: { key: sk-azure } } }
      - { name: local, host: vllm.models.svc, port: 8000, tls: false, priority: 2, modelNameOverride: llama-3.1-8b }
`;
const UPSTREAMS = ['anthropic-ish', 'openai', 'azure', 'local'];

interface Setup {
  svc: TestService;
  harness: Harness;
  upstreams: Record<string, MockUpstream>;
  answers: Record<string, Answer>;
}
let setup: Setup | undefined;

async function start(yaml = BASE): Promise<Setup> {
  const answers: Record<string, Answer> = {};
  const svc = await startService({ yaml });
  const upstreams: Record<string, MockUpstream> = {};
  for (const name of UPSTREAMS) upstreams[name] = await startMockUpstream({ handler: (req, res) => (answers[name] ?? ok(name))(req, res) });
  const envoy = generateEnvoyConfig(parseConfig(yaml, 'test').config, { extprocAddress: { host: '127.0.0.1', port: 50051 }, listenerPort: 8080, full: true });
  const byCluster = (name: string) => name.replace(/^backend_/, '');
  const harness = await startHarness({
    processorAddress: svc.target,
    mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
    allowModeOverride: true,
    allowEnvoyHeaders: routerAllowsEnvoyHeaders(envoy),
    routes: harnessRoutes(envoy, byCluster),
    upstreams,
  });
  setup = { svc, harness, upstreams, answers };
  return setup;
}

afterEach(async () => {
  if (!setup) return;
  await setup.harness.close();
  for (const u of Object.values(setup.upstreams)) await u.close();
  await setup.svc.stop();
  setup = undefined;
});

function ok(name: string): Answer {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(chatCompletionJson({ id: `chatcmpl-${name}`, model: `${name}-model`, usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }));
  };
}

function status(code: number, headers: Record<string, string> = {}): Answer {
  return (_req, res) => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ error: { message: `status ${code}`, type: 'error', code: String(code) } }));
  };
}

async function chat(s: Setup, model: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

const sentModel = (r: RecordedRequest) => (JSON.parse(r.body.toString()) as { model: string }).model;

describe('fallback across priorities', () => {
  it('each attempt carries its backend’s key and model name; usage records the backend that answered', async () => {
    const s = await start();
    s.answers['openai'] = status(429, { 'x-ratelimit-reset-tokens': '6m0s' });
    s.answers['azure'] = status(429, { 'retry-after': '4' });
    const res = await chat(s, 'gpt-4o');
    expect(res.status).toBe(200);
    expect(res.body['id']).toBe('chatcmpl-local');
    const ex = s.harness.lastExchange()!;
    expect(ex.attempts.map((a) => [a.upstream, a.status])).toEqual([
      ['openai', 429],
      ['azure', 429],
      ['local', 200],
    ]);
    // A fallback follows: no wait was set, Envoy's short back-off applies.
    expect(ex.attempts.slice(0, 2).map((a) => a.backoffMs)).toEqual([500, 500]);
    const [openai] = s.upstreams['openai']!.requests;
    const [azure] = s.upstreams['azure']!.requests;
    const [local] = s.upstreams['local']!.requests;
    expect(openai!.headers['authorization']).toBe('Bearer sk-openai');
    expect(sentModel(openai!)).toBe('gpt-4o');
    expect(azure!.headers['authorization']).toBe('Bearer sk-azure');
    expect(sentModel(azure!)).toBe('gpt-4o-prod');
    expect(sentModel(local!)).toBe('llama-3.1-8b');
    expect(res.headers.get('x-llm-extproc-backend')).toBeNull();
    expect(ex.dynamicMetadata['io.envoy.ai_gateway']).toMatchObject({ backend: 'local', request_model: 'gpt-4o' });
    expect(s.harness.violations).toEqual([]);
  });
});

describe('429-aware retries on the last backend', () => {
  it('waits what the provider asks, normalised to whole seconds for Envoy', async () => {
    const s = await start();
    let calls = 0;
    s.answers['anthropic-ish'] = (req, res) => (++calls === 1 ? status(429, { 'x-ratelimit-reset-requests': '2.5s' }) : ok('solo'))(req, res);
    const res = await chat(s, 'gpt-solo');
    expect(res.status).toBe(200);
    const ex = s.harness.lastExchange()!;
    expect(ex.attempts.map((a) => a.status)).toEqual([429, 200]);
    expect(ex.attempts[0]!.responseHeaders).toContainEqual(['x-llm-extproc-retry-after', '3']);
    expect(ex.attempts[0]!.backoffMs).toBe(3000);
    expect(s.upstreams['anthropic-ish']!.requests.every((r) => r.headers['authorization'] === 'Bearer sk-solo')).toBe(true);
  });

  it('returns a 429 whose wait is too long unchanged, without retrying', async () => {
    const s = await start();
    s.answers['anthropic-ish'] = status(429, { 'retry-after': '60' });
    const res = await chat(s, 'gpt-solo');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(res.headers.get('x-envoy-ratelimited')).toBeNull();
    expect(res.headers.get('x-llm-extproc-retry-after')).toBeNull();
    expect(res.body).toEqual({ error: { message: 'status 429', type: 'error', code: '429' } });
    expect(s.harness.lastExchange()!.attempts).toHaveLength(1);
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive failures and answers a fast 503 in the API’s shape, shown on /debug/breakers', async () => {
    const s = await start();
    s.answers['anthropic-ish'] = status(502);
    expect((await chat(s, 'gpt-solo')).status).toBe(502); // three attempts, all 502: the breaker opens
    const before = s.upstreams['anthropic-ish']!.requests.length;
    const res = await chat(s, 'gpt-solo');
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(50);
    expect(res.body['error']).toMatchObject({ code: 'backends_unavailable' });
    expect(s.upstreams['anthropic-ish']!.requests.length).toBe(before);
    const debug = (await (await fetch(`${s.svc.adminUrl}/debug/breakers`)).json()) as Record<string, any>;
    expect(debug['enabled']).toBe(true);
    expect(debug['backends']['anthropic-ish']).toMatchObject({ state: 'open', consecutiveFailures: 3 });
    expect(await s.svc.metricsText()).toMatch(/llm_extproc_breaker_state\{[^}]*backend="anthropic-ish"[^}]*\} 2/);
  });

  it('skips an open backend of a failover rule: the request starts on the next one', async () => {
    const s = await start();
    s.answers['openai'] = status(500);
    s.answers['azure'] = status(500);
    expect((await chat(s, 'gpt-4o')).status).toBe(200); // openai 500, azure 500, local 200
    s.answers['azure'] = ok('azure');
    expect((await chat(s, 'gpt-4o')).status).toBe(200); // openai 500 again (opens), azure 200
    const openaiCalls = s.upstreams['openai']!.requests.length;
    const res = await chat(s, 'gpt-4o');
    expect(res.body['id']).toBe('chatcmpl-azure');
    const ex = s.harness.lastExchange()!;
    // The route variant without openai served it: its attempts never reach openai's endpoint.
    expect(ex.attempts.map((a) => a.upstream)).toEqual(['azure']);
    // Envoy matched the variant on it; the provider does not get it.
    expect(s.upstreams['azure']!.requests.at(-1)!.headers['x-llm-extproc-backends']).toBeUndefined();
    expect(s.upstreams['openai']!.requests.length).toBe(openaiCalls);
  });
});

describe('CORS narrowing', () => {
  it('refuses a browser origin the policy does not allow, before any provider call', async () => {
    const s = await start();
    const res = await chat(s, 'gpt-4o', { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(res.body['error']).toMatchObject({ code: 'origin_not_allowed' });
    expect(Object.values(s.upstreams).every((u) => u.requests.length === 0)).toBe(true);
    expect((await chat(s, 'gpt-4o', { origin: 'https://app.example.com' })).status).toBe(200);
  });
});
