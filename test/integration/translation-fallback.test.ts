/**
 * Cross-provider fallback end to end: rules whose backends speak different APIs, at failover
 * priorities, through the real service and the Envoy-protocol harness playing the route table,
 * retry policy and failover cluster `envoy-config --full` generates (the upstream-level call runs
 * once per attempt with the picked endpoint's metadata). The official SDKs ask; the priority-0
 * provider refuses (429, or Anthropic's 529 overload); Envoy's retry moves to priority 1, whose
 * attempt is translated for that backend — path, headers, body, credential — and whose answer
 * is translated back. The ledger and the metrics record the backend and provider that served
 * and its price. When every attempt fails, the last provider's error reaches the client in the
 * client API's error shape.
 */
import { createHash } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../harness/mock-upstream.js';
import type { HeaderList } from '../harness/wire.js';
import { play, startLedgerWorld, type LedgerWorld, type Played } from '../support/ledger-world.js';
import { histogramSum, sampleSum } from '../support/prometheus.js';
import { providerFixture } from '../support/provider-fixtures.js';
import { translationFixture, translationJson } from '../support/translation-fixtures.js';
import { converseStream } from '../support/translation-streams.js';

const AWS = 'auth: { aws: { region: us-east-1, credentialFileLiteral: "[default]\\naws_access_key_id = AKIDFALLBACK\\naws_secret_access_key = fallback-secret\\n" } }';
const CONFIG = `
rules:
  - name: sonnet
    headers: [{ name: x-ai-eg-model, exact: house-sonnet }]
    retry: { numRetries: 1 }
    backends:
      - { name: claude-direct, schema: { name: Anthropic }, host: api.anthropic.com, priority: 0, modelNameOverride: claude-sonnet-4-20250514, auth: { apiKey: { key: sk-ant-provider } } }
      - { name: nova, schema: { name: AWSBedrock }, host: bedrock-runtime.us-east-1.amazonaws.com, priority: 1, modelNameOverride: "amazon.nova-pro-v1:0", ${AWS} }
  - name: flash
    headers: [{ name: x-ai-eg-model, exact: house-flash }]
    retry: { numRetries: 1 }
    backends:
      - { name: claude-first, schema: { name: Anthropic }, host: api.anthropic.com, priority: 0, modelNameOverride: claude-sonnet-4-20250514, auth: { apiKey: { key: sk-ant-provider } } }
      - { name: gemini-api, schema: { name: GCPGemini }, host: generativelanguage.googleapis.com, priority: 1, modelNameOverride: gemini-2.5-flash, auth: { apiKey: { key: g-provider-key } } }
  - name: claude-code
    headers: [{ name: x-ai-eg-model, exact: house-claude-code }]
    retry: { numRetries: 1 }
    backends:
      - { name: claude-on-bedrock, schema: { name: AWSAnthropic }, host: bedrock-runtime.us-east-1.amazonaws.com, priority: 0, modelNameOverride: "anthropic.claude-3-5-sonnet-20240620-v1:0", ${AWS} }
      - { name: claude-on-vertex, schema: { name: GCPAnthropic }, host: us-east5-aiplatform.googleapis.com, priority: 1, modelNameOverride: "claude-sonnet-4@20250514", auth: { gcp: { accessToken: ya29.vertex-token, projectName: proj-1, region: us-east5 } } }
`;
const BACKENDS = ['claude-direct', 'nova', 'claude-first', 'gemini-api', 'claude-on-bedrock', 'claude-on-vertex'];

/** Each serving backend's price (USD per million tokens); the catch-all shows a wrong provider. */
const PRICES = `models:
  - { provider: anthropic, model: claude-sonnet-4-20250514, input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15 }
  - { provider: aws.bedrock, model: "amazon.nova-pro-v1:0", input: 0.8, cachedInput: 0.2, cacheWrite: 1, output: 3.2 }
  - { provider: gcp.gemini, model: gemini-2.5-flash, input: 0.3, cachedInput: 0.075, output: 2.5 }
  - { provider: gcp.vertex_ai, model: claude-sonnet-4-20250514, input: 3.3, cachedInput: 0.33, cacheWrite: 4.125, output: 16.5 }
  - { provider: openai, model: "*", input: 1000, output: 1000 }
`;

const json = (body: Buffer | string, status = 200, headers: Record<string, string> = {}): Played => ({ status, contentType: 'application/json', body: Buffer.from(body), headers });
const RATE_LIMITED_ANTHROPIC = json('{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}', 429, { 'retry-after': '40' });
const OVERLOADED_ANTHROPIC = json('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', 529);
const THROTTLED_BEDROCK = json('{"message":"Too many requests, please wait before trying again."}', 429, { 'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/' });
const EXHAUSTED_VERTEX = json('{"error":{"code":429,"message":"Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model.","status":"RESOURCE_EXHAUSTED"}}', 429);

let world: LedgerWorld;

beforeAll(async () => {
  world = await startLedgerWorld({ yaml: CONFIG, prices: PRICES, upstreams: BACKENDS, upstreamOf: (name) => name });
});

afterAll(async () => {
  await world?.close();
});

const TOOLS: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }];
const ASK: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You answer about the weather.' },
  { role: 'user', content: 'Weather in Paris?' },
];

const lastTo = (backend: string): RecordedRequest => world.upstreams[backend]!.requests.at(-1)!;
const bodyOf = (r: RecordedRequest): Record<string, unknown> => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
const internalHeaders = (h: HeaderList | undefined): string[] => (h ?? []).map(([k]) => k).filter((k) => k.startsWith('x-llm-extproc-'));

/** One fallback: who refuses, who serves, what each must have been sent, and what is recorded. */
interface Fallback {
  readonly name: string;
  readonly client: 'openai' | 'anthropic';
  readonly model: string;
  readonly rule: string;
  readonly refuser: { readonly backend: string; readonly answer: Played; readonly path: RegExp; readonly check: (r: RecordedRequest) => void };
  readonly server: {
    readonly backend: string;
    readonly provider: string;
    readonly sentModel: string;
    readonly answer: (stream: boolean) => Played;
    readonly path: (stream: boolean) => string;
    /** The request the serving provider got: its dialect and its own credential only. */
    readonly check: (r: RecordedRequest) => void;
  };
  /** Client-visible text per mode, and the ledger's tokens and cost per mode. */
  readonly expect: (stream: boolean) => { text: string; input: number; cached: number | null; output: number; cost: number };
}

const sigV4 = (r: RecordedRequest): void => {
  expect(r.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDFALLBACK\//);
  expect(r.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(r.body).digest('hex'));
  expect(r.headers['x-api-key']).toBeUndefined();
};

const FALLBACKS: readonly Fallback[] = [
  {
    name: 'OpenAI SDK: Anthropic rate-limits, Bedrock Converse serves',
    ...{ client: 'openai', model: 'house-sonnet', rule: 'sonnet' },
    refuser: {
      backend: 'claude-direct',
      answer: RATE_LIMITED_ANTHROPIC,
      path: /^\/v1\/messages$/,
      check: (r) => {
        expect(r.headers['x-api-key']).toBe('sk-ant-provider');
        expect(bodyOf(r)).toMatchObject({ model: 'claude-sonnet-4-20250514', system: 'You answer about the weather.', messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] }] });
      },
    },
    server: {
      backend: 'nova',
      provider: 'aws.bedrock',
      sentModel: 'amazon.nova-pro-v1:0',
      answer: (s) => (s ? { contentType: 'application/vnd.amazon.eventstream', body: converseStream(translationJson('converse-stream-tools.events.json')) } : json(providerFixture('bedrock-converse.json'))),
      path: (s) => `/model/amazon.nova-pro-v1%3A0/${s ? 'converse-stream' : 'converse'}`,
      check: (r) => {
        sigV4(r);
        const body = bodyOf(r);
        expect(body['model']).toBeUndefined();
        expect(body).toMatchObject({ system: [{ text: 'You answer about the weather.' }], messages: [{ role: 'user', content: [{ text: 'Weather in Paris?' }] }], toolConfig: { tools: [{ toolSpec: { name: 'get_weather' } }] } });
      },
    },
    expect: (s) =>
      s
        ? { text: 'Let me check the weather in Paris — "quoted" ☀.', input: 1242, cached: 1200, output: 37, cost: ((1242 - 1200) * 0.8 + 1200 * 0.2 + 37 * 3.2) / 1e6 }
        : { text: 'Paris is the capital of France.', input: 1530, cached: 1500, output: 12, cost: (30 * 0.8 + 1500 * 0.2 + 12 * 3.2) / 1e6 },
  },
  {
    name: 'OpenAI SDK: Anthropic is overloaded (529), Gemini serves',
    ...{ client: 'openai', model: 'house-flash', rule: 'flash' },
    refuser: { backend: 'claude-first', answer: OVERLOADED_ANTHROPIC, path: /^\/v1\/messages$/, check: (r) => expect(r.headers['x-api-key']).toBe('sk-ant-provider') },
    server: {
      backend: 'gemini-api',
      provider: 'gcp.gemini',
      sentModel: 'gemini-2.5-flash',
      answer: (s) => (s ? { contentType: 'text/event-stream', body: translationFixture('gemini-stream-tools.sse.txt') } : json(providerFixture('gemini-generate-content.json'))),
      path: (s) => `/v1beta/models/gemini-2.5-flash:${s ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
      check: (r) => {
        expect(r.headers['x-goog-api-key']).toBe('g-provider-key');
        expect(r.headers['x-api-key']).toBeUndefined();
        expect(r.headers['authorization']).toBeUndefined();
        expect(bodyOf(r)).toMatchObject({ systemInstruction: { parts: [{ text: 'You answer about the weather.' }] }, contents: [{ role: 'user', parts: [{ text: 'Weather in Paris?' }] }] });
      },
    },
    expect: (s) =>
      s
        ? { text: "I'll look that up.", input: 310, cached: 256, output: 49, cost: ((310 - 256) * 0.3 + 256 * 0.075 + 49 * 2.5) / 1e6 }
        : { text: 'A haiku about the sea.', input: 120, cached: 100, output: 240, cost: (20 * 0.3 + 100 * 0.075 + 240 * 2.5) / 1e6 },
  },
  {
    name: 'Anthropic SDK: Claude on Bedrock throttles, Claude on Vertex AI serves',
    ...{ client: 'anthropic', model: 'house-claude-code', rule: 'claude-code' },
    refuser: {
      backend: 'claude-on-bedrock',
      answer: THROTTLED_BEDROCK,
      path: /^\/model\/anthropic\.claude-3-5-sonnet-20240620-v1%3A0\/invoke(-with-response-stream)?$/,
      check: (r) => {
        sigV4(r);
        expect(bodyOf(r)).toMatchObject({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 64 });
      },
    },
    server: {
      backend: 'claude-on-vertex',
      provider: 'gcp.vertex_ai',
      sentModel: 'claude-sonnet-4@20250514',
      answer: (s) => (s ? { contentType: 'text/event-stream', body: providerFixture('anthropic-message-stream.txt') } : json(providerFixture('anthropic-message.json'))),
      path: (s) => `/v1/projects/proj-1/locations/us-east5/publishers/anthropic/models/claude-sonnet-4%4020250514:${s ? 'streamRawPredict' : 'rawPredict'}`,
      check: (r) => {
        expect(r.headers['authorization']).toBe('Bearer ya29.vertex-token');
        expect(r.headers['x-amz-content-sha256']).toBeUndefined();
        const body = bodyOf(r);
        expect(body['model']).toBeUndefined();
        expect(body).toMatchObject({ anthropic_version: 'vertex-2023-10-16', max_tokens: 64, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
      },
    },
    expect: (s) =>
      s
        ? { text: 'Hello! "usage": is just text here', input: 1825, cached: 1800, output: 42, cost: (25 * 3.3 + 1800 * 0.33 + 42 * 16.5) / 1e6 }
        : { text: 'prompt caching cut latency', input: 3084, cached: 2048, output: 256, cost: (12 * 3.3 + 2048 * 0.33 + 1024 * 4.125 + 256 * 16.5) / 1e6 },
  },
];

/** Asks as `client` would; returns the answer's text. Headers carry the ids the ledger and harness keep. */
async function ask(client: 'openai' | 'anthropic', model: string, stream: boolean, id: string): Promise<string> {
  const headers = { 'x-request-id': id, 'x-harness-id': id };
  if (client === 'openai') {
    const c = new OpenAI({ apiKey: 'sk-client', baseURL: `${world.harness.url}/v1`, maxRetries: 0 });
    if (!stream) return (await c.chat.completions.create({ model, messages: ASK, tools: TOOLS }, { headers })).choices[0]!.message.content ?? '';
    const final = await c.chat.completions.stream({ model, messages: ASK, tools: TOOLS, stream_options: { include_usage: true } }, { headers }).finalChatCompletion();
    return final.choices[0]!.message.content ?? '';
  }
  const c = new Anthropic({ apiKey: 'sk-ant-client', baseURL: world.harness.url, maxRetries: 0 });
  const params = { model, max_tokens: 64, messages: [{ role: 'user' as const, content: 'Weather in Paris?' }] };
  const m = stream ? await c.messages.stream(params, { headers }).finalMessage() : await c.messages.create(params, { headers });
  return m.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
}

describe.each(FALLBACKS)('$name', (f) => {
  it.each([false, true])('stream %s: the next priority serves, translated for its API; ledger and metrics name it', async (stream) => {
    world.answers[f.refuser.backend] = play(f.refuser.answer);
    world.answers[f.server.backend] = play(f.server.answer(stream));
    const want = f.expect(stream);
    const id = `fallback-${f.rule}-${stream}`;
    const metric = (text: string, type: string) => histogramSum(text, 'gen_ai_client_token_usage', { gen_ai_request_model: f.model, gen_ai_provider_name: f.server.provider, gen_ai_token_type: type });
    const before = await world.svc.metricsText();

    expect(await ask(f.client, f.model, stream, id)).toContain(want.text);

    const ex = world.harness.exchange(id)!;
    expect(ex.attempts.map((a) => [a.upstream, a.priority, a.status])).toEqual([
      [f.refuser.backend, 0, f.refuser.answer.status],
      [f.server.backend, 1, 200],
    ]);
    // No wait for a fallback: Envoy's short back-off, not the provider's retry-after.
    expect(ex.attempts[0]!.backoffMs).toBe(500);
    const refused = lastTo(f.refuser.backend);
    expect(refused.path).toMatch(f.refuser.path);
    f.refuser.check(refused);
    const served = lastTo(f.server.backend);
    expect(served.path).toBe(f.server.path(stream));
    expect(Number(served.headers['content-length'])).toBe(served.body.length);
    f.server.check(served);
    expect(internalHeaders(ex.responseHeaders)).toEqual([]);
    expect(world.harness.violations).toEqual([]);

    const row = await world.ledgerRow(id);
    expect(row).toMatchObject({ rule: f.rule, backend: f.server.backend, provider: f.server.provider, model: f.model, sent_model: f.server.sentModel, status: 200, error_type: null });
    expect({ input: Number(row['input_tokens']), cached: row['cached_input_tokens'] === null ? null : Number(row['cached_input_tokens']), output: Number(row['output_tokens']) }).toEqual({ input: want.input, cached: want.cached, output: want.output });
    expect(Number(row['cost_usd'])).toBeCloseTo(want.cost, 12);
    expect(ex.dynamicMetadata['io.envoy.ai_gateway']).toMatchObject({ backend: f.server.backend, input_tokens: want.input, output_tokens: want.output });

    const after = await world.svc.metricsText();
    expect(metric(after, 'input') - metric(before, 'input')).toBe(want.input);
    expect(metric(after, 'output') - metric(before, 'output')).toBe(want.output);
    const cost = (t: string) => sampleSum(t, 'gen_ai_client_cost_total', { gen_ai_request_model: f.model });
    expect(cost(after) - cost(before)).toBeCloseTo(want.cost, 12);
  });
});

describe('every attempt fails', () => {
  it.each([false, true])('OpenAI SDK (stream %s): Bedrock’s throttling reaches the client as an OpenAI rate-limit error', async (stream) => {
    world.answers['claude-direct'] = play(RATE_LIMITED_ANTHROPIC);
    world.answers['nova'] = play(THROTTLED_BEDROCK);
    const id = `all-fail-openai-${stream}`;
    const err = await ask('openai', 'house-sonnet', stream, id).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err).toMatchObject({ status: 429, message: expect.stringContaining('Too many requests, please wait before trying again.'), type: 'rate_limit_error', code: 'ThrottlingException' });
    const ex = world.harness.exchange(id)!;
    expect(ex.attempts.map((a) => [a.upstream, a.status])).toEqual([
      ['claude-direct', 429],
      ['nova', 429],
    ]);
    expect(JSON.parse(ex.responseBody.toString('utf8'))).toEqual({ error: { message: 'Too many requests, please wait before trying again.', type: 'rate_limit_error', param: null, code: 'ThrottlingException' } });
    expect(internalHeaders(ex.responseHeaders)).toEqual([]);
    const row = await world.ledgerRow(id);
    // Priced under the provider that answered last: no tokens, so nothing is owed.
    expect(row).toMatchObject({ backend: 'nova', provider: 'aws.bedrock', status: 429, input_tokens: null });
    expect(Number(row['cost_usd'])).toBe(0);
    expect(row['error_type']).not.toBeNull();
  });

  it('Anthropic SDK: Vertex AI’s quota error reaches the client as an Anthropic rate-limit error', async () => {
    world.answers['claude-on-bedrock'] = play(THROTTLED_BEDROCK);
    world.answers['claude-on-vertex'] = play(EXHAUSTED_VERTEX);
    const id = 'all-fail-anthropic';
    const err = await ask('anthropic', 'house-claude-code', false, id).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err).toMatchObject({ status: 429, error: { type: 'error', error: { type: 'rate_limit_error', message: expect.stringContaining('Quota exceeded') } } });
    const row = await world.ledgerRow(id);
    expect(row).toMatchObject({ backend: 'claude-on-vertex', provider: 'gcp.vertex_ai', status: 429 });
  });
});
