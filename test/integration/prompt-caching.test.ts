/**
 * Prompt caching through the Envoy-protocol harness and the real service, with the official
 * OpenAI and Anthropic SDKs: the mock provider receives the cache hints, a client's own hint is
 * left alone, and cache hits reported in usage show up in /metrics.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../harness/harness.js';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream.js';
import { histogramSum, sampleSum } from '../support/prometheus.js';
import { startService, type TestService } from '../support/service.js';

const CONFIG = `
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai, schema: { name: OpenAI } }]
    promptCaching: { mode: auto, retention: 24h, key: { from: prefix-hash } }
  - name: anthropic
    headers: [{ name: x-ai-eg-model, prefix: "claude-" }]
    backends:
      - name: anthropic
        schema: { name: Anthropic }
        promptCaching: { mode: auto, minTokens: 1024 }
`;

const SYSTEM = 'You are a careful assistant. '.repeat(200); // ≈ 1450 estimated tokens

const openaiReply = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-cache',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 2000, completion_tokens: 5, total_tokens: 2005, prompt_tokens_details: { cached_tokens: 1536 } },
});
const anthropicReply = JSON.stringify({
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-cache',
  content: [{ type: 'text', text: 'ok' }],
  stop_reason: 'end_turn',
  usage: { input_tokens: 20, cache_creation_input_tokens: 1500, cache_read_input_tokens: 0, output_tokens: 3 },
});

let svc: TestService;
let harness: Harness;
const upstreams: Record<string, MockUpstream> = {};

beforeAll(async () => {
  svc = await startService({ yaml: CONFIG });
  upstreams['openai'] = await startMockUpstream({
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(openaiReply);
    },
  });
  upstreams['anthropic'] = await startMockUpstream({
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(anthropicReply);
    },
  });
  harness = await startHarness({
    processorAddress: svc.target,
    mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
    allowModeOverride: true,
    routes: ['openai', 'anthropic'].map((r) => ({ header: 'x-ai-eg-selected-route', value: r, upstream: r })),
    upstreams,
  });
});

afterAll(async () => {
  await harness?.close();
  await Promise.all(Object.values(upstreams).map((u) => u.close()));
  await svc?.stop();
});

const lastBody = (name: string) => {
  const r = upstreams[name]!.requests.at(-1)!;
  return { raw: r.body, json: JSON.parse(r.body.toString()) as Record<string, unknown>, headers: r.headers };
};

describe('OpenAI SDK', () => {
  const client = () => new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: 'sk-client', maxRetries: 0 });

  it('the provider receives prompt_cache_key (same for a shared prefix) and retention, with a correct content-length', async () => {
    await client().chat.completions.create({ model: 'gpt-4o-cache', messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'one' }] });
    const first = lastBody('openai');
    await client().chat.completions.create({ model: 'gpt-4o-cache', messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'two' }] });
    const second = lastBody('openai');
    await client().chat.completions.create({ model: 'gpt-4o-cache', messages: [{ role: 'system', content: 'other' }, { role: 'user', content: 'one' }] });
    const third = lastBody('openai');
    expect(first.json['prompt_cache_key']).toMatch(/^h-[0-9a-f]{32}$/);
    expect(first.json['prompt_cache_retention']).toBe('24h');
    expect(second.json['prompt_cache_key']).toBe(first.json['prompt_cache_key']);
    expect(third.json['prompt_cache_key']).not.toBe(first.json['prompt_cache_key']);
    expect(Number(first.headers['content-length'])).toBe(first.raw.length);
    expect(harness.violations).toEqual([]);
  });

  it('keeps a prompt_cache_key the client set', async () => {
    await client().chat.completions.create({ model: 'gpt-4o-cache', messages: [{ role: 'system', content: SYSTEM }], prompt_cache_key: 'mine' });
    expect(lastBody('openai').json['prompt_cache_key']).toBe('mine');
  });

  it('cache hits show up as cached_input and in the prompt-cache counter of the rule', async () => {
    const text = await svc.metricsText();
    expect(histogramSum(text, 'gen_ai_client_token_usage', { gen_ai_token_type: 'cached_input', gen_ai_request_model: 'gpt-4o-cache' })).toBe(1536 * 4);
    const name = 'llm_extproc_prompt_cache_tokens_total';
    expect(sampleSum(text, name, { llm_extproc_route: 'openai', result: 'hit' })).toBe(1536 * 4);
    expect(sampleSum(text, name, { llm_extproc_route: 'openai', result: 'miss' })).toBe(464 * 4);
  });
});

describe('Anthropic SDK', () => {
  const client = () => new Anthropic({ baseURL: harness.url, apiKey: 'sk-ant-client', maxRetries: 0 });

  it('the provider receives cache_control on the system prompt and the last tool', async () => {
    await client().messages.create({
      model: 'claude-cache',
      max_tokens: 10,
      system: SYSTEM,
      tools: [{ name: 'lookup', description: 'Looks things up', input_schema: { type: 'object', properties: {} } }],
      messages: [{ role: 'user', content: 'hi' }],
    });
    const { json, raw, headers } = lastBody('anthropic');
    expect(json['system']).toEqual([{ type: 'text', text: SYSTEM, cache_control: { type: 'ephemeral' } }]);
    // The tools alone are far below the minimum: no breakpoint there.
    expect(JSON.stringify(json['tools'])).not.toContain('cache_control');
    expect(Number(headers['content-length'])).toBe(raw.length);
  });

  it('leaves a request with a client breakpoint byte for byte', async () => {
    await client().messages.create({
      model: 'claude-cache',
      max_tokens: 10,
      system: [{ type: 'text', text: SYSTEM }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }],
    });
    const { json } = lastBody('anthropic');
    expect(json['system']).toEqual([{ type: 'text', text: SYSTEM }]);
  });

  it('cache writes show up as cache_creation_input and result=write', async () => {
    const text = await svc.metricsText();
    expect(histogramSum(text, 'gen_ai_client_token_usage', { gen_ai_token_type: 'cache_creation_input', gen_ai_request_model: 'claude-cache' })).toBe(3000);
    const name = 'llm_extproc_prompt_cache_tokens_total';
    expect(sampleSum(text, name, { llm_extproc_route: 'anthropic', result: 'write' })).toBe(3000);
  });
});
