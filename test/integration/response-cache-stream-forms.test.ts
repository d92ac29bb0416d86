/**
 * `cache.streamKeys: shared` end to end: through the Envoy-protocol harness and the real service,
 * the official OpenAI and Anthropic SDKs get a streaming answer built from a stored whole
 * response, and a whole response assembled from a stored stream, each the same answer the
 * provider gave; the provider is called once per prompt; a hit is recorded in the ledger with
 * the original tokens, cost 0 and the cost saved; an entry that cannot be converted is a miss.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../harness/harness.js';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream.js';
import { loadCassette } from '../support/cassettes.js';
import { FakeKeyLookup, gatewayKey } from '../support/fake-keys.js';
import { sampleSum } from '../support/prometheus.js';
import { startLedgerService, type LedgerService } from '../support/ledger-service.js';
import { providerFixture } from '../support/provider-fixtures.js';
import type { TestService } from '../support/service.js';

const KEY = 'gk-forms-0001';
const STREAM = loadCassette('chat-streaming-detailed-usage').interactions[0]!.response.body;
const TOOLS: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];

/** The whole completion the OpenAI mock answers; `n: 2` asks for two choices. */
function completion(n: number, tools: boolean): string {
  const message = tools
    ? { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }
    : { role: 'assistant', content: 'cached answer — "quoted" ☀', refusal: null };
  return JSON.stringify({
    id: 'chatcmpl-forms-1',
    object: 'chat.completion',
    created: 1755133833,
    model: 'gpt-4o-2024-08-06',
    service_tier: 'default',
    system_fingerprint: 'fp_forms',
    choices: Array.from({ length: n }, (_, index) => ({ index, message, logprobs: null, finish_reason: tools ? 'tool_calls' : 'stop' })),
    usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
  });
}

let dir: string;
let svc: TestService;
let service: LedgerService;
let harness: Harness;
let openai: OpenAI;
let anthropic: Anthropic;
const upstreams: Record<string, MockUpstream> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cache-forms-'));
  await writeFile(join(dir, 'prices.yaml'), 'models:\n  - { provider: openai, model: "gpt-*", input: 2.50, output: 10.00 }\n  - { provider: anthropic, model: "claude-*", input: 3.00, output: 15.00 }\n');
  const keys = new FakeKeyLookup();
  keys.set(KEY, gatewayKey({ id: 'ffffffffffffffff', project: 'team-forms' }));
  service = await startLedgerService({
    dir,
    keys,
    yaml: `
pricing: { file: prices.yaml }
cache: { enabled: true, lookupTimeoutMs: 50, streamKeys: shared }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai }]
  - name: anthropic
    headers: [{ name: x-ai-eg-model, prefix: "claude-" }]
    backends: [{ name: anthropic }]
  - name: separate
    headers: [{ name: x-ai-eg-model, prefix: "sep-" }]
    backends: [{ name: openai }]
    cache: { streamKeys: separate }
`,
  });
  svc = service.svc;
  upstreams['openai'] = await startMockUpstream({
    handler: (req, res) => {
      const body = JSON.parse(req.body.toString() || '{}') as { stream?: boolean; n?: number; tools?: unknown };
      if (body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        return void res.end(STREAM);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(completion(body.n ?? 1, body.tools !== undefined));
    },
  });
  upstreams['anthropic'] = await startMockUpstream({
    handler: (req, res) => {
      const body = JSON.parse(req.body.toString()) as { stream?: boolean };
      res.writeHead(200, { 'content-type': body.stream ? 'text/event-stream' : 'application/json' });
      res.end(providerFixture(body.stream ? 'anthropic-message-stream-tools.txt' : 'anthropic-message.json'));
    },
  });
  harness = await startHarness({
    processorAddress: svc.target,
    mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
    allowModeOverride: true,
    routes: ['openai', 'anthropic', 'separate'].map((r) => ({ header: 'x-ai-eg-selected-route', value: r, upstream: r === 'anthropic' ? 'anthropic' : 'openai' })),
    upstreams,
  });
  openai = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: KEY, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: harness.url, apiKey: KEY, maxRetries: 0 });
});

afterAll(async () => {
  await harness?.close();
  await Promise.all(Object.values(upstreams).map((u) => u.close()));
  await svc?.stop();
  await rm(dir, { recursive: true, force: true });
});

const calls = (u: string) => upstreams[u]!.requests.length;
let prompt = 0;
const fresh = () => `forms question ${++prompt} ${Math.random()}`;
const storesNow = async () => sampleSum(await svc.metricsText(), 'llm_extproc_cache_stores_total', {});
async function waitStores(n: number): Promise<void> {
  await harness.settled();
  await expect.poll(storesNow).toBeGreaterThanOrEqual(n);
}
const requestId = (id: string) => ({ headers: { 'x-request-id': id } });

const ledgerRow = (id: string) => service.row(id);

describe('response cache with streamKeys: shared', () => {
  it('OpenAI: a stored whole completion answers a streaming request the SDK reads as the same completion, usage chunk included', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: fresh() }];
    const before = calls('openai');
    const s0 = await storesNow();
    const whole = await openai.chat.completions.create({ model: 'gpt-4o', messages }, requestId('forms-openai-miss'));
    await waitStores(s0 + 1);
    const { data: stream, response } = await openai.chat.completions.create({ model: 'gpt-4o', messages, stream: true, stream_options: { include_usage: true } }, requestId('forms-openai-hit')).withResponse();
    expect(response.headers.get('x-llm-extproc-cache')).toBe('hit');
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(whole.choices[0]!.message.content);
    expect(chunks.at(-1)!.usage).toEqual(whole.usage);
    const final = await openai.chat.completions.stream({ model: 'gpt-4o', messages, stream_options: { include_usage: true } }).finalChatCompletion();
    expect(final).toMatchObject({
      id: whole.id,
      model: whole.model,
      created: whole.created,
      system_fingerprint: 'fp_forms',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: whole.choices[0]!.message.content } }],
      usage: whole.usage,
    });
    expect(calls('openai') - before).toBe(1);

    // The hit is recorded with the original tokens, cost 0 and what the miss cost.
    const miss = await ledgerRow('forms-openai-miss');
    const hit = await ledgerRow('forms-openai-hit');
    expect([Number(hit['input_tokens']), Number(hit['output_tokens'])]).toEqual([1000, 100]);
    expect(Number(hit['cost_usd'])).toBe(0);
    expect(Number(hit['cost_saved_usd'])).toBeCloseTo(Number(miss['cost_usd']), 12);
    expect(Number(miss['cost_usd'])).toBeGreaterThan(0);
    expect(harness.violations).toEqual([]);
  });

  it('OpenAI: a tool call stored whole is streamed as tool call deltas the SDK accumulates', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: fresh() }];
    const s0 = await storesNow();
    const whole = await openai.chat.completions.create({ model: 'gpt-4o', messages, tools: TOOLS });
    await waitStores(s0 + 1);
    const final = await openai.chat.completions.stream({ model: 'gpt-4o', messages, tools: TOOLS }).finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.choices[0]!.message.tool_calls).toEqual([expect.objectContaining({ id: 'call_1', type: 'function', function: expect.objectContaining({ name: 'get_weather', arguments: '{"city":"Paris"}' }) })]);
    expect(whole.choices[0]!.message.tool_calls![0]).toMatchObject({ id: 'call_1' });
  });

  it('OpenAI: a stored stream answers a non-streaming request with the assembled completion and the stream’s usage', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: fresh() }];
    const before = calls('openai');
    const s0 = await storesNow();
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of await openai.chat.completions.create({ model: 'gpt-4o', messages, stream: true }, requestId('forms-openai-stream-miss'))) chunks.push(c);
    await waitStores(s0 + 1);
    const { data: whole, response } = await openai.chat.completions.create({ model: 'gpt-4o', messages }, requestId('forms-openai-stream-hit')).withResponse();
    expect(response.headers.get('x-llm-extproc-cache')).toBe('hit');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(whole.choices[0]!.message.content).toBe(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''));
    expect(whole.choices[0]!.finish_reason).toBe(chunks.map((c) => c.choices[0]?.finish_reason).find((f) => f)!);
    expect(whole.id).toBe(chunks[0]!.id);
    // The client did not ask for the usage chunk, but the whole response carries the usage the stream reported upstream.
    const miss = await ledgerRow('forms-openai-stream-miss');
    expect(whole.usage).toMatchObject({ prompt_tokens: Number(miss['input_tokens']), completion_tokens: Number(miss['output_tokens']) });
    const hit = await ledgerRow('forms-openai-stream-hit');
    expect([Number(hit['input_tokens']), Number(hit['output_tokens']), Number(hit['cost_usd'])]).toEqual([Number(miss['input_tokens']), Number(miss['output_tokens']), 0]);
    expect(Number(hit['cost_saved_usd'])).toBeCloseTo(Number(miss['cost_usd']), 12);
    expect(calls('openai') - before).toBe(1);
  });

  it('Anthropic: a stored message answers a streaming request the SDK assembles into the same message', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: fresh() }];
    const before = calls('anthropic');
    const s0 = await storesNow();
    const whole = await anthropic.messages.create({ model: 'claude-sonnet-4', max_tokens: 64, messages });
    await waitStores(s0 + 1);
    const stream = anthropic.messages.stream({ model: 'claude-sonnet-4', max_tokens: 64, messages });
    const final = await stream.finalMessage();
    // `parsed_output` is the SDK's own addition to a streamed message (structured outputs).
    expect({ ...final, parsed_output: undefined }).toEqual(whole);
    expect(final.content.length).toBeGreaterThan(0);
    expect(calls('anthropic') - before).toBe(1);
  });

  it('Anthropic: a stored stream (thinking and a tool call) answers a non-streaming request with the message the SDK would assemble', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: fresh() }];
    const before = calls('anthropic');
    const s0 = await storesNow();
    const streamed = await anthropic.messages.stream({ model: 'claude-opus-4-1', max_tokens: 64, messages }, requestId('forms-anthropic-miss')).finalMessage();
    await waitStores(s0 + 1);
    const { data: whole, response } = await anthropic.messages.create({ model: 'claude-opus-4-1', max_tokens: 64, messages }, requestId('forms-anthropic-hit')).withResponse();
    expect(response.headers.get('x-llm-extproc-cache')).toBe('hit');
    expect(whole).toEqual({ ...JSON.parse(JSON.stringify(streamed)), parsed_output: undefined });
    expect(whole.content.map((b) => b.type)).toEqual(['thinking', 'tool_use']);
    expect(calls('anthropic') - before).toBe(1);
    const miss = await ledgerRow('forms-anthropic-miss');
    const hit = await ledgerRow('forms-anthropic-hit');
    expect([Number(hit['input_tokens']), Number(hit['output_tokens'])]).toEqual([Number(miss['input_tokens']), Number(miss['output_tokens'])]);
    expect(Number(hit['cost_saved_usd'])).toBeCloseTo(Number(miss['cost_usd']), 12);
  });

  it('an entry that cannot be served in the other form is a miss with its reason; a rule with separate keys never shares', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: fresh() }];
    const before = calls('openai');
    const s0 = await storesNow();
    const two = await openai.chat.completions.create({ model: 'gpt-4o', messages, n: 2 });
    expect(two.choices).toHaveLength(2);
    await waitStores(s0 + 1);
    const { response } = await openai.chat.completions.create({ model: 'gpt-4o', messages, n: 2, stream: true }).withResponse();
    expect(response.headers.get('x-llm-extproc-cache')).toBe('miss');
    await response.text();
    expect(calls('openai') - before).toBe(2);
    expect(sampleSum(await svc.metricsText(), 'llm_extproc_cache_requests_total', { llm_extproc_cache_result: 'miss', llm_extproc_cache_reason: 'not_convertible' })).toBe(1);

    const sep: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: fresh() }];
    const s1 = await storesNow();
    await openai.chat.completions.create({ model: 'sep-model', messages: sep });
    await waitStores(s1 + 1);
    const { response: separate } = await openai.chat.completions.create({ model: 'sep-model', messages: sep, stream: true }).withResponse();
    expect(separate.headers.get('x-llm-extproc-cache')).toBe('miss');
    await separate.text();
  });
});
