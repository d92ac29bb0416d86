/**
 * Retries across backend priorities through the real service: the Envoy-protocol harness plays
 * the route table, retry policy and failover cluster that `llm-extproc envoy-config` generates
 * for the config below — Envoy's retry moving from priority to priority, the upstream-level
 * ext_proc called once per attempt with the picked endpoint's metadata.
 */
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEnvoyConfig } from '../../src/envoy/bootstrap.js';
import { parseConfig } from '../../src/config/load.js';
import { startHarness, type Harness } from '../harness/harness.js';
import { startMockUpstream, type MockUpstream, type RecordedRequest } from '../harness/mock-upstream.js';
import { harnessRoutes } from '../support/envoy-harness-routes.js';
import { chatCompletionJson } from '../support/openai-bodies.js';
import { startService, type TestService } from '../support/service.js';

const CONFIG = `
rules:
  - name: chat
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends:
      - { name: openai, host: api.openai.com, priority: 0 }
      - { name: azure, host: acme.openai.azure.com, priority: 1 }
      - { name: local, host: vllm.models.svc, port: 8000, tls: false, priority: 2 }
`;

type Answer = (req: RecordedRequest, res: ServerResponse) => void;
const answers: Record<string, Answer> = {};
const upstreams: Record<string, MockUpstream> = {};
let svc: TestService;
let harness: Harness;

function rateLimited(headers: Record<string, string>): Answer {
  return (_req, res) => {
    res.writeHead(429, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }));
  };
}

const ok: Answer = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(chatCompletionJson({ id: 'chatcmpl-local', model: 'llama', usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }));
};

beforeAll(async () => {
  svc = await startService({ yaml: CONFIG });
  for (const name of ['openai', 'azure', 'local']) {
    upstreams[name] = await startMockUpstream({ handler: (req, res) => (answers[name] ?? ok)(req, res) });
  }
  const yaml = generateEnvoyConfig(parseConfig(CONFIG, 'test').config, { extprocAddress: { host: '127.0.0.1', port: 50051 }, listenerPort: 8080, full: true });
  harness = await startHarness({
    processorAddress: svc.target,
    mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
    allowModeOverride: true,
    routes: harnessRoutes(yaml, (name) => name),
    upstreams,
  });
});

afterAll(async () => {
  await harness?.close();
  for (const u of Object.values(upstreams)) await u.close();
  await svc?.stop();
});

describe('retries across priorities, per attempt', () => {
  it('moves a rate-limited request from priority to priority, the upstream-level call once per attempt', async () => {
    answers['openai'] = rateLimited({ 'x-ratelimit-reset-tokens': '6m0s' });
    answers['azure'] = rateLimited({ 'retry-after': '4' });
    answers['local'] = ok;
    const client = new OpenAI({ apiKey: 'sk-client', baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.id).toBe('chatcmpl-local');
    const ex = harness.lastExchange()!;
    expect(ex.attempts.map((a) => [a.upstream, a.priority, a.status])).toEqual([
      ['openai', 0, 429],
      ['azure', 1, 429],
      ['local', 2, 200],
    ]);
    // Every attempt went through its own upstream-level stream, told which endpoint Envoy picked.
    const attemptStreams = ex.sent.filter((m) => m.attributes && Object.keys(m.attributes).length > 0);
    expect(attemptStreams).toHaveLength(3);
    expect(harness.violations).toEqual([]);
  });

  it('returns the last backend’s answer when every priority fails', async () => {
    answers['openai'] = rateLimited({});
    answers['azure'] = rateLimited({});
    answers['local'] = rateLimited({});
    const res = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [] }),
    });
    expect(res.status).toBe(429);
    expect(harness.lastExchange()!.attempts.map((a) => a.upstream)).toEqual(['openai', 'azure', 'local']);
  });
});
