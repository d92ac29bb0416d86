/**
 * Prompt caching through the Envoy-protocol harness and the real service, with the official
 * OpenAI and Anthropic SDKs (fetch for Bedrock): for each provider dialect the mock provider
 * receives the cache hints, a client's own hint is left alone, and cache hits reported in usage
 * show up in /metrics. Fireworks project isolation and the priced ledger record are in
 * prompt-caching-ledger.test.ts.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../harness/harness.js';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream.js';
import { histogramSum, sampleSum } from '../support/prometheus.js';
import { startService, type TestService } from '../support/service.js';
import { chatCompletionJson } from '../support/openai-bodies.js';

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
  - name: bedrock
    headers: [{ name: x-ai-eg-model, prefix: "anthropic." }]
    backends: [{ name: bedrock, schema: { name: AWSBedrock } }]
    promptCaching: { mode: auto, minTokens: 1024 }
  - name: fireworks
    headers: [{ name: x-ai-eg-model, prefix: "accounts/fireworks/" }]
    backends: [{ name: fireworks, schema: { name: OpenAI } }]
    promptCaching: { mode: auto, provider: fireworks, key: { from: prefix-hash } }
  - name: xai
    headers: [{ name: x-ai-eg-model, prefix: "grok-" }]
    backends: [{ name: xai, schema: { name: OpenAI } }]
    promptCaching: { mode: auto, provider: xai, key: { from: prefix-hash } }
`;

const SYSTEM = 'You are a careful assistant. '.repeat(200); // ≈ 1450 estimated tokens

const openaiReply = chatCompletionJson({ id: 'chatcmpl-1', model: 'gpt-4o-cache', usage: { prompt_tokens: 2000, completion_tokens: 5, total_tokens: 2005, prompt_tokens_details: { cached_tokens: 1536 } } });
const anthropicReply = JSON.stringify({
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-cache',
  content: [{ type: 'text', text: 'ok' }],
  stop_reason: 'end_turn',
  usage: { input_tokens: 20, cache_creation_input_tokens: 1500, cache_read_input_tokens: 0, output_tokens: 3 },
});

const BEDROCK_MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
/** Converse usage: `inputTokens` excludes cache reads and writes (input = 30 + 1500 + 0). */
const converseReply = JSON.stringify({
  output: { message: { role: 'assistant', content: [{ text: 'ok' }] } },
  stopReason: 'end_turn',
  usage: { inputTokens: 30, outputTokens: 12, totalTokens: 1542, cacheReadInputTokens: 1500, cacheWriteInputTokens: 0 },
  metrics: { latencyMs: 10 },
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
  upstreams['bedrock'] = await startMockUpstream({
    handler: (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.path.endsWith('/converse') ? converseReply : anthropicReply);
    },
  });
  for (const name of ['fireworks', 'xai']) {
    upstreams[name] = await startMockUpstream({
      handler: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(openaiReply);
      },
    });
  }
  harness = await startHarness({
    processorAddress: svc.target,
    mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
    allowModeOverride: true,
    routes: ['openai', 'anthropic', 'bedrock', 'fireworks', 'xai'].map((r) => ({ header: 'x-ai-eg-selected-route', value: r, upstream: r })),
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

/** POSTs `body` to a Bedrock Runtime operation of {@link BEDROCK_MODEL} through the harness. */
async function bedrock(operation: 'converse' | 'invoke', body: unknown): Promise<{ status: number; sent: string }> {
  const sent = JSON.stringify(body);
  const res = await fetch(`${harness.url}/model/${encodeURIComponent(BEDROCK_MODEL)}/${operation}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: sent,
  });
  await res.arrayBuffer();
  return { status: res.status, sent };
}

/** A tool description long enough (≈ 1300 estimated tokens) for a breakpoint of its own. */
const LONG_TOOL_DESCRIPTION = 'Looks things up in the catalogue. '.repeat(150);

describe('Bedrock Converse (fetch)', () => {
  const request = (text: string) => ({
    system: [{ text: SYSTEM }],
    toolConfig: { tools: [{ toolSpec: { name: 'lookup', description: LONG_TOOL_DESCRIPTION, inputSchema: { json: { type: 'object', properties: {} } } } }] },
    messages: [{ role: 'user', content: [{ text }] }],
  });
  const cachePoint = { cachePoint: { type: 'default' } };

  it('the provider receives cachePoint blocks after the system blocks and the tools, the same for a shared prefix', async () => {
    expect((await bedrock('converse', request('one'))).status).toBe(200);
    const first = lastBody('bedrock');
    expect((await bedrock('converse', request('two'))).status).toBe(200);
    const second = lastBody('bedrock');
    expect(upstreams['bedrock']!.requests.at(-1)!.path).toBe(`/model/${encodeURIComponent(BEDROCK_MODEL)}/converse`);
    expect(first.json['system']).toEqual([{ text: SYSTEM }, cachePoint]);
    const tools = (first.json['toolConfig'] as { tools: unknown[] }).tools;
    expect(tools).toHaveLength(2);
    expect(tools[1]).toEqual(cachePoint);
    expect(second.json['system']).toEqual(first.json['system']);
    expect(second.json['toolConfig']).toEqual(first.json['toolConfig']);
    expect(second.json['messages']).toEqual([{ role: 'user', content: [{ text: 'two' }] }]);
    expect(Number(first.headers['content-length'])).toBe(first.raw.length);
    expect(harness.violations).toEqual([]);
  });

  it('leaves a request with a client cachePoint byte for byte', async () => {
    const body = { system: [{ text: SYSTEM }], messages: [{ role: 'user', content: [{ text: 'hi' }, cachePoint] }] };
    const { sent } = await bedrock('converse', body);
    expect(lastBody('bedrock').raw.toString()).toBe(sent);
  });

  it('cache reads (cacheReadInputTokens) show up as cached_input and result=hit', async () => {
    const text = await svc.metricsText();
    expect(histogramSum(text, 'gen_ai_client_token_usage', { gen_ai_token_type: 'cached_input', gen_ai_request_model: BEDROCK_MODEL })).toBe(1500 * 3);
    expect(sampleSum(text, 'llm_extproc_prompt_cache_tokens_total', { llm_extproc_route: 'bedrock', result: 'hit' })).toBe(1500 * 3);
  });
});

describe('Anthropic on Bedrock InvokeModel (fetch)', () => {
  const request = (text: string) => ({
    anthropic_version: 'bedrock-2023-05-31',
    max_tokens: 10,
    system: SYSTEM,
    tools: [{ name: 'lookup', description: LONG_TOOL_DESCRIPTION, input_schema: { type: 'object', properties: {} } }],
    messages: [{ role: 'user', content: text }],
  });

  it('the provider receives cache_control on the system prompt and the last tool, the same for a shared prefix', async () => {
    expect((await bedrock('invoke', request('one'))).status).toBe(200);
    const first = lastBody('bedrock');
    expect((await bedrock('invoke', request('two'))).status).toBe(200);
    const second = lastBody('bedrock');
    expect(upstreams['bedrock']!.requests.at(-1)!.path).toBe(`/model/${encodeURIComponent(BEDROCK_MODEL)}/invoke`);
    expect(first.json['system']).toEqual([{ type: 'text', text: SYSTEM, cache_control: { type: 'ephemeral' } }]);
    expect(first.json['tools']).toEqual([{ ...request('one').tools[0], cache_control: { type: 'ephemeral' } }]);
    expect(second.json['system']).toEqual(first.json['system']);
    expect(second.json['tools']).toEqual(first.json['tools']);
    expect(Number(first.headers['content-length'])).toBe(first.raw.length);
  });

  it('leaves a request with a client cache_control byte for byte', async () => {
    const body = { ...request('hi'), messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }] };
    const { sent } = await bedrock('invoke', body);
    expect(lastBody('bedrock').raw.toString()).toBe(sent);
  });

  it('leaves a non-Claude InvokeModel body alone', async () => {
    const { sent } = await bedrock('invoke', { inputText: SYSTEM, textGenerationConfig: { maxTokenCount: 10 } });
    expect(lastBody('bedrock').raw.toString()).toBe(sent);
  });
});

describe('Fireworks (OpenAI SDK)', () => {
  const MODEL = 'accounts/fireworks/models/llama-v3p1-8b-instruct';
  const client = (headers: Record<string, string> = {}) => new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: 'fw-client', maxRetries: 0, defaultHeaders: headers });
  const ask = (system: string, user: string, extra: { user?: string } = {}, headers: Record<string, string> = {}) =>
    client(headers).chat.completions.create({ model: MODEL, messages: [{ role: 'system', content: system }, { role: 'user', content: user }], ...extra });

  it('the provider receives x-session-affinity (same for a shared prefix) and an untouched body', async () => {
    await ask(SYSTEM, 'one');
    const first = lastBody('fireworks');
    await ask(SYSTEM, 'two');
    const second = lastBody('fireworks');
    await ask('other', 'one');
    const third = lastBody('fireworks');
    expect(first.headers['x-session-affinity']).toMatch(/^h-[0-9a-f]{32}$/);
    expect(second.headers['x-session-affinity']).toBe(first.headers['x-session-affinity']);
    expect(third.headers['x-session-affinity']).not.toBe(first.headers['x-session-affinity']);
    expect(first.headers['x-prompt-cache-isolation-key']).toBeUndefined();
    expect(first.json).not.toHaveProperty('prompt_cache_key');
    expect(Number(first.headers['content-length'])).toBe(first.raw.length);
    expect(harness.violations).toEqual([]);
  });

  it('keeps the client x-session-affinity, and adds none when the client sends user', async () => {
    await ask(SYSTEM, 'one', {}, { 'x-session-affinity': 'mine' });
    expect(lastBody('fireworks').headers['x-session-affinity']).toBe('mine');
    await ask(SYSTEM, 'one', { user: 'u-1' });
    const sent = lastBody('fireworks');
    expect(sent.headers['x-session-affinity']).toBeUndefined();
    expect(sent.json['user']).toBe('u-1');
  });
});

describe('xAI (OpenAI SDK)', () => {
  const client = (headers: Record<string, string> = {}) => new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: 'xai-client', maxRetries: 0, defaultHeaders: headers });
  const ask = (system: string, user: string, headers: Record<string, string> = {}) =>
    client(headers).chat.completions.create({ model: 'grok-4', messages: [{ role: 'system', content: system }, { role: 'user', content: user }] });

  it('chat completions carry x-grok-conv-id (same for a shared prefix) and an untouched body', async () => {
    await ask(SYSTEM, 'one');
    const first = lastBody('xai');
    await ask(SYSTEM, 'two');
    const second = lastBody('xai');
    await ask('other', 'one');
    const third = lastBody('xai');
    expect(first.headers['x-grok-conv-id']).toMatch(/^h-[0-9a-f]{32}$/);
    expect(second.headers['x-grok-conv-id']).toBe(first.headers['x-grok-conv-id']);
    expect(third.headers['x-grok-conv-id']).not.toBe(first.headers['x-grok-conv-id']);
    expect(first.json).not.toHaveProperty('prompt_cache_key');
    expect(harness.violations).toEqual([]);
  });

  it('keeps the client x-grok-conv-id', async () => {
    await ask(SYSTEM, 'one', { 'x-grok-conv-id': 'conv-mine' });
    expect(lastBody('xai').headers['x-grok-conv-id']).toBe('conv-mine');
  });
});
