/**
 * The official OpenAI and Anthropic SDKs (and plain fetch for Gemini and Bedrock) talking to
 * mock providers through the Envoy-protocol harness and the real service: routing by model,
 * client-facing error shapes, usage in /metrics, and streams delivered exactly as asked.
 */
import { gzipSync } from 'node:zlib';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../harness/harness.js';
import { startMockUpstream, type MockUpstream, type RecordedRequest } from '../harness/mock-upstream.js';
import { loadCassette } from '../support/cassettes.js';
import { histogramCount, histogramSum } from '../support/prometheus.js';
import { providerFixture } from '../support/provider-fixtures.js';
import { startService, type TestService } from '../support/service.js';

const CONFIG = `
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai }]
  - name: anthropic
    headers: [{ name: x-ai-eg-model, prefix: "claude-" }]
    backends: [{ name: anthropic }]
  - name: gemini
    headers: [{ name: x-ai-eg-model, prefix: "gemini-" }]
    backends: [{ name: gcp.gemini }]
  - name: bedrock
    headers: [{ name: x-ai-eg-model, prefix: "anthropic." }]
    backends: [{ name: aws.bedrock }]
models:
  - { name: gpt-5-nano, ownedBy: openai }
limits: { maxDecodedResponseBytes: 1048576 }
`;

const streamUsageBody = loadCassette('chat-streaming-detailed-usage').interactions[0]!.response.body;

function sse(res: import('node:http').ServerResponse, body: string | Buffer): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const text = body.toString();
  const half = Math.floor(text.length / 2);
  res.write(text.slice(0, half));
  res.end(text.slice(half));
}

let svc: TestService;
let harness: Harness;
const upstreams: Record<string, MockUpstream> = {};

beforeAll(async () => {
  svc = await startService({ yaml: CONFIG });
  upstreams['openai'] = await startMockUpstream({
    handler: (req: RecordedRequest, res) => {
      const body = JSON.parse(req.body.toString() || '{}') as { stream?: boolean; model?: string; input?: unknown };
      if (req.path.startsWith('/v1/responses')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(providerFixture('openai-responses.json'));
      }
      if (body.model === 'gpt-gzip' && body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
        return void res.end(gzipSync(streamUsageBody));
      }
      if (body.stream) return sse(res, streamUsageBody);
      const recorded = loadCassette('chat-basic').interactions[0]!.response;
      if (body.model === 'gpt-bomb') {
        // 2 MiB of JSON whitespace before the completion: compresses to a few KiB.
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        return void res.end(gzipSync(Buffer.concat([Buffer.alloc(2 * 1024 * 1024, ' '), Buffer.from(recorded.body)])));
      }
      if (body.model === 'gpt-gzip') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        return void res.end(gzipSync(recorded.body));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(recorded.body);
    },
  });
  upstreams['anthropic'] = await startMockUpstream({
    handler: (req, res) => {
      const body = JSON.parse(req.body.toString()) as { stream?: boolean };
      if (body.stream) return sse(res, providerFixture('anthropic-message-stream.txt'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(providerFixture('anthropic-message.json'));
    },
  });
  upstreams['gemini'] = await startMockUpstream({
    handler: (req, res) => {
      if (req.path.includes(':streamGenerateContent')) return sse(res, providerFixture('gemini-stream.sse.txt'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(providerFixture('gemini-generate-content.json'));
    },
  });
  upstreams['bedrock'] = await startMockUpstream({
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(providerFixture('bedrock-converse.json'));
    },
  });
  harness = await startHarness({
    processorAddress: svc.target,
    mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
    allowModeOverride: true,
    routes: ['openai', 'anthropic', 'gemini', 'bedrock'].map((r) => ({ header: 'x-ai-eg-selected-route', value: r, upstream: r })),
    upstreams,
  });
});

afterAll(async () => {
  await harness?.close();
  await Promise.all(Object.values(upstreams).map((u) => u.close()));
  await svc?.stop();
});

const tokens = async (type: string, model: string) =>
  histogramSum(await svc.metricsText(), 'gen_ai_client_token_usage', { gen_ai_token_type: type, gen_ai_request_model: model });

describe('OpenAI SDK', () => {
  const client = () =>
    new OpenAI({
      baseURL: `${harness.url}/v1`,
      apiKey: 'sk-client',
      maxRetries: 0,
      // A client trying to pick its own backend: must be ignored.
      defaultHeaders: { 'x-ai-eg-selected-route': 'anthropic', 'x-ai-eg-model': 'claude-x' },
    });

  it('routes a chat completion by model; spoofed internal headers never reach the upstream', async () => {
    const before = upstreams['openai']!.requests.length;
    const completion = await client().chat.completions.create({ model: 'gpt-5-nano', messages: [{ role: 'user', content: 'Hello!' }] });
    expect(completion.choices[0]?.message.content).toBeTruthy();
    const seen = upstreams['openai']!.requests[before]!;
    expect(seen.headers['x-ai-eg-selected-route']).toBe('openai');
    expect(seen.headers['x-ai-eg-model']).toBe('gpt-5-nano');
    expect(harness.violations).toEqual([]);
  });

  it('streams exactly the chunks the client asked for, while usage is measured', async () => {
    const inputBefore = await tokens('input', 'gpt-5-nano');
    const before = upstreams['openai']!.requests.length;
    const stream = await client().chat.completions.create({ model: 'gpt-5-nano', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    // The upstream was asked for usage on the client's behalf...
    const upstreamBody = JSON.parse(upstreams['openai']!.requests[before]!.body.toString()) as { stream_options?: { include_usage?: boolean } };
    expect(upstreamBody.stream_options?.include_usage).toBe(true);
    // ...and the usage-only chunk it sent was removed from what the client received.
    const recordedEvents = streamUsageBody.split('\n').filter((l) => l.startsWith('data: {'));
    expect(chunks).toHaveLength(recordedEvents.length - 1);
    expect(chunks.every((c) => !c.usage)).toBe(true);
    const recordedUsage = (JSON.parse(recordedEvents.at(-1)!.slice(6)) as { usage: { prompt_tokens: number } }).usage;
    expect((await tokens('input', 'gpt-5-nano')) - inputBefore).toBe(recordedUsage.prompt_tokens);
    await expect.poll(async () => histogramCount(await svc.metricsText(), 'gen_ai_server_time_to_first_token_seconds')).toBeGreaterThan(0);
  });

  it('reads usage from gzip-compressed responses, and strips the usage chunk from a compressed stream', async () => {
    const recorded = JSON.parse(loadCassette('chat-basic').interactions[0]!.response.body) as { usage: { prompt_tokens: number } };
    const before = await tokens('input', 'gpt-gzip');
    const completion = await client().chat.completions.create({ model: 'gpt-gzip', messages: [{ role: 'user', content: 'Hello!' }] });
    expect(completion.usage?.prompt_tokens).toBe(recorded.usage.prompt_tokens);
    expect((await tokens('input', 'gpt-gzip')) - before).toBe(recorded.usage.prompt_tokens);

    const stream = await client().chat.completions.create({ model: 'gpt-gzip', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const recordedEvents = streamUsageBody.split('\n').filter((l) => l.startsWith('data: {'));
    expect(chunks).toHaveLength(recordedEvents.length - 1);
    await harness.settled();
    const headers = Object.fromEntries(harness.lastExchange()!.responseHeaders ?? []);
    expect(headers['content-encoding']).toBeUndefined(); // we rewrote the body, so it is sent decoded
  });

  it('stops decoding a response past limits.maxDecodedResponseBytes, and the client still gets it whole', async () => {
    const completion = await client().chat.completions.create({ model: 'gpt-bomb', messages: [{ role: 'user', content: 'x' }] });
    expect(completion.choices[0]?.message.content).toBeTruthy();
    await harness.settled();
    await expect.poll(() => svc.logs.some((l) => typeof l['msg'] === 'string' && l['msg'].includes('limits.maxDecodedResponseBytes') && l['model'] === 'gpt-bomb')).toBe(true);
    expect(await tokens('input', 'gpt-bomb')).toBe(0);
  });

  it('gets a 404 the SDK understands for a model no rule serves', async () => {
    const err = await client()
      .chat.completions.create({ model: 'llama-3-70b', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('lists the configured models on GET /v1/models', async () => {
    const ids = [];
    for await (const m of client().models.list()) ids.push(m.id);
    expect(ids).toContain('gpt-5-nano');
  });

  it('measures Responses API usage', async () => {
    const before = await tokens('input', 'gpt-4.1');
    const response = await client().responses.create({ model: 'gpt-4.1', input: 'hi' });
    expect(response.usage?.input_tokens).toBeGreaterThan(0);
    expect((await tokens('input', 'gpt-4.1')) - before).toBe(response.usage!.input_tokens);
  });
});

describe('Anthropic SDK', () => {
  const client = () => new Anthropic({ baseURL: harness.url, apiKey: 'sk-ant-client', maxRetries: 0 });

  it('routes messages to the anthropic rule and counts cached input separately', async () => {
    const before = { input: await tokens('input', 'claude-sonnet-4-5'), cached: await tokens('cached_input', 'claude-sonnet-4-5') };
    const msg = await client().messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Summarise' }] });
    const u = msg.usage;
    expect((await tokens('cached_input', 'claude-sonnet-4-5')) - before.cached).toBe(u.cache_read_input_tokens);
    expect((await tokens('input', 'claude-sonnet-4-5')) - before.input).toBe(
      u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0),
    );
  });

  it('streams messages through to the SDK and measures output tokens', async () => {
    const before = await tokens('output', 'claude-haiku-4-5');
    const final = await client()
      .messages.stream({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] })
      .finalMessage();
    expect((await tokens('output', 'claude-haiku-4-5')) - before).toBe(final.usage.output_tokens);
  });

  it('gets an Anthropic-shaped 404 for an unknown model', async () => {
    const err = await client()
      .messages.create({ model: 'mistral-large', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect((err as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});

describe('Gemini and Bedrock (model in the URL)', () => {
  it('routes Gemini generateContent and streamGenerateContent by the URL model', async () => {
    const before = await tokens('output', 'gemini-2.5-flash');
    const res = await fetch(`${harness.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'client-key' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
    });
    const body = (await res.json()) as { usageMetadata: { candidatesTokenCount: number; thoughtsTokenCount?: number } };
    expect(res.status).toBe(200);
    expect((await tokens('output', 'gemini-2.5-flash')) - before).toBe(body.usageMetadata.candidatesTokenCount + (body.usageMetadata.thoughtsTokenCount ?? 0));
    const stream = await fetch(`${harness.url}/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [] }),
    });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    expect((await stream.text()).length).toBeGreaterThan(0);
    await harness.settled();
    expect(harness.lastExchange()?.route).toBe('gemini');
  });

  it('routes Bedrock Converse by the URL-encoded model id', async () => {
    const res = await fetch(`${harness.url}/model/${encodeURIComponent('anthropic.claude-3-5-sonnet-20240620-v1:0')}/converse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
    });
    const body = (await res.json()) as { usage: { outputTokens: number } };
    expect(res.status).toBe(200);
    await harness.settled();
    expect(harness.lastExchange()?.route).toBe('bedrock');
    expect(await tokens('output', 'anthropic.claude-3-5-sonnet-20240620-v1:0')).toBeGreaterThanOrEqual(body.usage.outputTokens);
  });
});
