/**
 * Usage, cost, time to first token and the ledger of translated requests, for every pair and
 * both modes (whole and streamed), through the real service: the official SDKs in front, the
 * Envoy-protocol harness playing the Envoy config `envoy-config --full` generates (the
 * upstream-level call of each attempt translates the request, and the attempt's response streams
 * back through it), recorded provider responses behind. Per request: the answer the SDK returns,
 * the request the provider got, the ledger row (tokens, the model sent, backend, provider, and a
 * cost from the price entry of the provider that served and the model it served — the price
 * table holds catch-all entries for the client's API that would show a wrong provider), the
 * usage dynamic metadata, and the token-usage, cost and time-to-first-token metrics.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlRow } from '../../src/storage/sql-db.js';
import { loadCassette } from '../support/cassettes.js';
import { play, startLedgerWorld, type LedgerWorld, type Played } from '../support/ledger-world.js';
import { histogramCount, histogramSum, sampleSum } from '../support/prometheus.js';
import { providerFixture, providerJson } from '../support/provider-fixtures.js';
import { translationFixture } from '../support/translation-fixtures.js';
import { converseStream, invokeStream } from '../support/translation-streams.js';

const AWS = 'auth: { aws: { region: us-east-1, credentialFileLiteral: "[default]\\naws_access_key_id = AKIDACCOUNT\\naws_secret_access_key = account-secret\\n" } }';

/** OpenAI Chat Completions clients (input schema OpenAI); Anthropic clients reach the Claude rules too. */
const OPENAI_WORLD = `
rules:
  - name: claude-api
    headers: [{ name: x-ai-eg-model, exact: house-claude }]
    backends: [{ name: claude-direct, schema: { name: Anthropic }, host: api.anthropic.com, modelNameOverride: claude-sonnet-4-20250514, auth: { apiKey: { key: sk-ant-provider } } }]
  - name: claude-vertex
    headers: [{ name: x-ai-eg-model, exact: vertex-claude }]
    backends: [{ name: claude-on-vertex, schema: { name: GCPAnthropic }, host: us-east5-aiplatform.googleapis.com, modelNameOverride: "claude-sonnet-4@20250514", auth: { gcp: { accessToken: ya29.vertex-token, projectName: proj-1, region: us-east5 } } }]
  - name: claude-bedrock
    headers: [{ name: x-ai-eg-model, exact: bedrock-claude }]
    backends: [{ name: claude-on-bedrock, schema: { name: AWSAnthropic }, host: bedrock-runtime.us-east-1.amazonaws.com, modelNameOverride: "anthropic.claude-3-5-sonnet-20240620-v1:0", ${AWS} }]
  - name: converse
    headers: [{ name: x-ai-eg-model, exact: nova }]
    backends: [{ name: nova-on-bedrock, schema: { name: AWSBedrock }, host: bedrock-runtime.us-east-1.amazonaws.com, modelNameOverride: "amazon.nova-pro-v1:0", ${AWS} }]
  - name: gemini-studio
    headers: [{ name: x-ai-eg-model, exact: studio-gemini }]
    backends: [{ name: gemini-api, schema: { name: GCPGemini }, host: generativelanguage.googleapis.com, modelNameOverride: gemini-2.5-flash, auth: { apiKey: { key: g-provider-key } } }]
  - name: gemini-vertex
    headers: [{ name: x-ai-eg-model, exact: vertex-gemini }]
    backends: [{ name: gemini-on-vertex, schema: { name: GCPVertexAI }, host: us-central1-aiplatform.googleapis.com, modelNameOverride: gemini-2.5-flash, auth: { gcp: { accessToken: ya29.vertex-token, projectName: proj-1, region: us-central1 } } }]
  - name: azure
    headers: [{ name: x-ai-eg-model, exact: azure-nano }]
    backends: [{ name: azure-east, schema: { name: AzureOpenAI }, host: acme.openai.azure.com, modelNameOverride: gpt-5-nano, auth: { apiKey: { key: azure-provider-key } } }]
`;

/** Anthropic Messages clients (input schema Anthropic) served by an OpenAI-compatible server. */
const ANTHROPIC_WORLD = `
schema: { name: Anthropic }
rules:
  - name: house-llm
    headers: [{ name: x-ai-eg-model, exact: house-llm }]
    backends: [{ name: vllm, schema: { name: OpenAI }, host: vllm.models.svc, port: 8000, tls: false, modelNameOverride: Qwen/Qwen2.5-7B-Instruct }]
`;

/** USD per million tokens. */
interface Price {
  readonly model: string;
  readonly input: number;
  readonly cachedInput?: number;
  readonly cacheWrite?: number;
  readonly output: number;
}

/** What the ledger records of a request's tokens (null: not reported). */
interface Figures {
  readonly input: number;
  readonly cached: number | null;
  readonly write: number | null;
  readonly output: number;
  readonly reasoning: number | null;
  readonly total: number;
}

/** One mode (whole or streamed) of a pair. */
interface Mode {
  readonly reply: () => Played;
  /** `:path` the provider must get. */
  readonly path: string;
  readonly responseModel: string;
  readonly figures: Figures;
  /** Text the client's answer contains. */
  readonly answer: string;
}

/** One client API → backend pair. */
interface Pair {
  readonly name: string;
  readonly world: 'openai' | 'anthropic';
  readonly client: 'openai' | 'anthropic';
  /** The model the client asks for (selects the rule). */
  readonly model: string;
  readonly rule: string;
  readonly backend: string;
  /** `gen_ai.provider.name` of the backend that served. */
  readonly provider: string;
  readonly sentModel: string;
  /** Header carrying the provider credential, and what it holds. */
  readonly credential: readonly [string, RegExp];
  /** The price entry (under `provider`) the request must be priced by. */
  readonly price: Price;
  readonly whole: Mode;
  readonly stream: Mode;
}

const json = (body: Buffer): Played => ({ contentType: 'application/json', body });
const sse = (body: Buffer): Played => ({ contentType: 'text/event-stream', body });
const events = (body: Buffer): Played => ({ contentType: 'application/vnd.amazon.eventstream', body });
const cassette = (name: string): Buffer => Buffer.from(loadCassette(name).interactions[0]!.response.body);
const invokeEvents = () => invokeStream(providerJson<unknown[]>('bedrock-invoke-anthropic-stream.events.json'));
const converseEvents = () => converseStream(providerJson<Array<{ eventType: string; payload: unknown }>>('bedrock-converse-stream.events.json'));

const VERTEX_CLAUDE = '/v1/projects/proj-1/locations/us-east5/publishers/anthropic/models/claude-sonnet-4%4020250514';
const BEDROCK_CLAUDE = '/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0';
const VERTEX_GEMINI = '/v1/projects/proj-1/locations/us-central1/publishers/google/models/gemini-2.5-flash';

// Anthropic Messages responses (anthropic-message.json, anthropic-message-stream.txt) as any client reads them.
const CLAUDE_WHOLE: Figures = { input: 12 + 2048 + 1024, cached: 2048, write: 1024, output: 256, reasoning: null, total: 3084 + 256 };
const CLAUDE_STREAM: Figures = { input: 25 + 1800 + 0, cached: 1800, write: 0, output: 42, reasoning: null, total: 1825 + 42 };
const CLAUDE_TEXT = { whole: 'prompt caching cut latency', stream: 'Hello! "usage": is just text here' };
const GEMINI_WHOLE: Figures = { input: 120, cached: 100, write: null, output: 30 + 210, reasoning: 210, total: 360 };
const GEMINI_STREAM: Figures = { input: 310, cached: 256, write: null, output: 21 + 28, reasoning: 28, total: 359 };

const PAIRS: readonly Pair[] = [
  {
    name: 'OpenAI → Anthropic API',
    ...{ world: 'openai', client: 'openai', model: 'house-claude', rule: 'claude-api', backend: 'claude-direct', provider: 'anthropic', sentModel: 'claude-sonnet-4-20250514' },
    credential: ['x-api-key', /^sk-ant-provider$/],
    price: { model: 'claude-sonnet-4-20250514', input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15 },
    whole: { reply: () => json(providerFixture('anthropic-message.json')), path: '/v1/messages', responseModel: 'claude-sonnet-4-20250514', figures: CLAUDE_WHOLE, answer: CLAUDE_TEXT.whole },
    stream: { reply: () => sse(providerFixture('anthropic-message-stream.txt')), path: '/v1/messages', responseModel: 'claude-sonnet-4-20250514', figures: CLAUDE_STREAM, answer: CLAUDE_TEXT.stream },
  },
  {
    name: 'OpenAI → Claude on Vertex AI',
    ...{ world: 'openai', client: 'openai', model: 'vertex-claude', rule: 'claude-vertex', backend: 'claude-on-vertex', provider: 'gcp.vertex_ai', sentModel: 'claude-sonnet-4@20250514' },
    credential: ['authorization', /^Bearer ya29\.vertex-token$/],
    price: { model: 'claude-sonnet-4-20250514', input: 3.3, cachedInput: 0.33, cacheWrite: 4.125, output: 16.5 },
    whole: { reply: () => json(providerFixture('anthropic-message.json')), path: `${VERTEX_CLAUDE}:rawPredict`, responseModel: 'claude-sonnet-4-20250514', figures: CLAUDE_WHOLE, answer: CLAUDE_TEXT.whole },
    stream: { reply: () => sse(providerFixture('anthropic-message-stream.txt')), path: `${VERTEX_CLAUDE}:streamRawPredict`, responseModel: 'claude-sonnet-4-20250514', figures: CLAUDE_STREAM, answer: CLAUDE_TEXT.stream },
  },
  {
    // Priced by the Bedrock model id it was sent: the provider's own name for it has no entry.
    name: 'OpenAI → Claude on Bedrock InvokeModel',
    ...{ world: 'openai', client: 'openai', model: 'bedrock-claude', rule: 'claude-bedrock', backend: 'claude-on-bedrock', provider: 'aws.bedrock', sentModel: 'anthropic.claude-3-5-sonnet-20240620-v1:0' },
    credential: ['authorization', /^AWS4-HMAC-SHA256 Credential=AKIDACCOUNT\//],
    price: { model: 'anthropic.claude-3-5-sonnet-20240620-v1:0', input: 3, output: 15 },
    whole: { reply: () => json(providerFixture('bedrock-invoke-anthropic.json')), path: `${BEDROCK_CLAUDE}/invoke`, responseModel: 'claude-3-5-sonnet-20240620', figures: { input: 14, cached: 0, write: null, output: 9, reasoning: null, total: 23 }, answer: 'Hello! How can I help?' },
    stream: { reply: () => events(invokeEvents()), path: `${BEDROCK_CLAUDE}/invoke-with-response-stream`, responseModel: 'claude-3-5-sonnet-20240620', figures: { input: 14, cached: 0, write: null, output: 9, reasoning: null, total: 23 }, answer: 'Hello!' },
  },
  {
    name: 'OpenAI → Bedrock Converse',
    ...{ world: 'openai', client: 'openai', model: 'nova', rule: 'converse', backend: 'nova-on-bedrock', provider: 'aws.bedrock', sentModel: 'amazon.nova-pro-v1:0' },
    credential: ['authorization', /^AWS4-HMAC-SHA256 Credential=AKIDACCOUNT\//],
    price: { model: 'amazon.nova-pro-v1:0', input: 0.8, cachedInput: 0.2, cacheWrite: 1, output: 3.2 },
    whole: { reply: () => json(providerFixture('bedrock-converse.json')), path: '/model/amazon.nova-pro-v1%3A0/converse', responseModel: 'amazon.nova-pro-v1:0', figures: { input: 1530, cached: 1500, write: 0, output: 12, reasoning: null, total: 1542 }, answer: 'Paris is the capital of France.' },
    stream: { reply: () => events(converseEvents()), path: '/model/amazon.nova-pro-v1%3A0/converse-stream', responseModel: 'amazon.nova-pro-v1:0', figures: { input: 218, cached: 0, write: 200, output: 64, reasoning: null, total: 282 }, answer: 'Hello, world' },
  },
  {
    name: 'OpenAI → Gemini API',
    ...{ world: 'openai', client: 'openai', model: 'studio-gemini', rule: 'gemini-studio', backend: 'gemini-api', provider: 'gcp.gemini', sentModel: 'gemini-2.5-flash' },
    credential: ['x-goog-api-key', /^g-provider-key$/],
    price: { model: 'gemini-2.5-flash', input: 0.3, cachedInput: 0.075, output: 2.5 },
    whole: { reply: () => json(providerFixture('gemini-generate-content.json')), path: '/v1beta/models/gemini-2.5-flash:generateContent', responseModel: 'gemini-2.5-flash', figures: GEMINI_WHOLE, answer: 'A haiku about the sea.' },
    stream: { reply: () => sse(translationFixture('gemini-stream-tools.sse.txt')), path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', responseModel: 'gemini-2.5-flash', figures: GEMINI_STREAM, answer: "I'll look that up." },
  },
  {
    name: 'OpenAI → Gemini on Vertex AI',
    ...{ world: 'openai', client: 'openai', model: 'vertex-gemini', rule: 'gemini-vertex', backend: 'gemini-on-vertex', provider: 'gcp.vertex_ai', sentModel: 'gemini-2.5-flash' },
    credential: ['authorization', /^Bearer ya29\.vertex-token$/],
    price: { model: 'gemini-2.5-flash', input: 0.35, cachedInput: 0.0875, output: 2.8 },
    whole: { reply: () => json(providerFixture('gemini-generate-content.json')), path: `${VERTEX_GEMINI}:generateContent`, responseModel: 'gemini-2.5-flash', figures: GEMINI_WHOLE, answer: 'A haiku about the sea.' },
    stream: { reply: () => sse(translationFixture('gemini-stream-tools.sse.txt')), path: `${VERTEX_GEMINI}:streamGenerateContent?alt=sse`, responseModel: 'gemini-2.5-flash', figures: GEMINI_STREAM, answer: "I'll look that up." },
  },
  {
    name: 'OpenAI → Azure OpenAI',
    ...{ world: 'openai', client: 'openai', model: 'azure-nano', rule: 'azure', backend: 'azure-east', provider: 'azure.openai', sentModel: 'gpt-5-nano' },
    credential: ['api-key', /^azure-provider-key$/],
    price: { model: 'gpt-5-nano-2025-08-07', input: 0.05, cachedInput: 0.005, output: 0.4 },
    whole: { reply: () => json(cassette('azure-chat-basic')), path: '/openai/deployments/gpt-5-nano/chat/completions?api-version=2024-10-21', responseModel: 'gpt-5-nano-2025-08-07', figures: { input: 8, cached: 0, write: null, output: 271, reasoning: 192, total: 279 }, answer: 'Hi there!' },
    stream: { reply: () => sse(cassette('chat-streaming-detailed-usage')), path: '/openai/deployments/gpt-5-nano/chat/completions?api-version=2024-10-21', responseModel: 'gpt-5-nano-2025-08-07', figures: { input: 12, cached: 0, write: null, output: 100, reasoning: 100, total: 112 }, answer: '' },
  },
  {
    name: 'Anthropic → Claude on Bedrock InvokeModel',
    ...{ world: 'openai', client: 'anthropic', model: 'bedrock-claude', rule: 'claude-bedrock', backend: 'claude-on-bedrock', provider: 'aws.bedrock', sentModel: 'anthropic.claude-3-5-sonnet-20240620-v1:0' },
    credential: ['authorization', /^AWS4-HMAC-SHA256 Credential=AKIDACCOUNT\//],
    price: { model: 'anthropic.claude-3-5-sonnet-20240620-v1:0', input: 3, output: 15 },
    whole: { reply: () => json(providerFixture('bedrock-invoke-anthropic.json')), path: `${BEDROCK_CLAUDE}/invoke`, responseModel: 'claude-3-5-sonnet-20240620', figures: { input: 14, cached: null, write: null, output: 9, reasoning: null, total: 23 }, answer: 'Hello! How can I help?' },
    stream: { reply: () => events(invokeEvents()), path: `${BEDROCK_CLAUDE}/invoke-with-response-stream`, responseModel: 'claude-3-5-sonnet-20240620', figures: { input: 14, cached: null, write: null, output: 9, reasoning: null, total: 23 }, answer: 'Hello!' },
  },
  {
    name: 'Anthropic → Claude on Vertex AI',
    ...{ world: 'openai', client: 'anthropic', model: 'vertex-claude', rule: 'claude-vertex', backend: 'claude-on-vertex', provider: 'gcp.vertex_ai', sentModel: 'claude-sonnet-4@20250514' },
    credential: ['authorization', /^Bearer ya29\.vertex-token$/],
    price: { model: 'claude-sonnet-4-20250514', input: 3.3, cachedInput: 0.33, cacheWrite: 4.125, output: 16.5 },
    whole: { reply: () => json(providerFixture('anthropic-message.json')), path: `${VERTEX_CLAUDE}:rawPredict`, responseModel: 'claude-sonnet-4-20250514', figures: CLAUDE_WHOLE, answer: CLAUDE_TEXT.whole },
    stream: { reply: () => sse(providerFixture('anthropic-message-stream.txt')), path: `${VERTEX_CLAUDE}:streamRawPredict`, responseModel: 'claude-sonnet-4-20250514', figures: CLAUDE_STREAM, answer: CLAUDE_TEXT.stream },
  },
  {
    name: 'Anthropic → OpenAI-compatible server',
    ...{ world: 'anthropic', client: 'anthropic', model: 'house-llm', rule: 'house-llm', backend: 'vllm', provider: 'openai', sentModel: 'Qwen/Qwen2.5-7B-Instruct' },
    credential: ['content-type', /^application\/json$/],
    price: { model: 'Qwen/Qwen2.5-7B-Instruct', input: 0.1, cachedInput: 0.05, output: 0.2 },
    whole: { reply: () => json(translationFixture('openai-chat-completion.json')), path: '/v1/chat/completions', responseModel: 'Qwen/Qwen2.5-7B-Instruct', figures: { input: 210, cached: 192, write: null, output: 9, reasoning: null, total: 219 }, answer: 'Paris is sunny' },
    stream: { reply: () => sse(translationFixture('openai-chat-stream-tools.txt')), path: '/v1/chat/completions', responseModel: 'Qwen/Qwen2.5-7B-Instruct', figures: { input: 180, cached: 128, write: null, output: 24, reasoning: null, total: 204 }, answer: 'Checking.' },
  },
];

/** The price table: each pair's entry under its provider, and catch-alls a wrong provider would hit. */
function prices(world: Pair['world']): string {
  const entries = PAIRS.filter((p) => p.world === world).map((p) => ({ provider: p.provider, ...p.price }));
  const trap = world === 'openai' ? 'openai' : 'anthropic';
  const lines = entries.map((e) => `  - ${JSON.stringify(e)}`);
  return `models:\n${lines.join('\n')}\n  - { provider: ${trap}, model: "*", input: 1000, output: 1000 }\n`;
}

function expectedCost(p: Price, f: Figures): number {
  const cached = f.cached ?? 0;
  const write = f.write ?? 0;
  return ((f.input - cached - write) * p.input + cached * (p.cachedInput ?? p.input) + write * (p.cacheWrite ?? p.input) + f.output * p.output) / 1e6;
}

const worlds: Partial<Record<Pair['world'], LedgerWorld>> = {};

beforeAll(async () => {
  for (const [name, yaml] of [['openai', OPENAI_WORLD], ['anthropic', ANTHROPIC_WORLD]] as const) {
    worlds[name] = await startLedgerWorld({ yaml, prices: prices(name), upstreams: ['provider'], upstreamOf: () => 'provider' });
  }
});

afterAll(async () => {
  for (const w of Object.values(worlds)) await w.close();
});

/** What the client got: its text, and the usage its SDK reports (input including cache). */
interface ClientView {
  readonly text: string;
  readonly input: number;
  readonly output: number;
}

async function ask(world: LedgerWorld, pair: Pair, stream: boolean, id: string): Promise<ClientView> {
  const headers = { 'x-request-id': id, 'x-harness-id': id };
  const content = 'Weather in Paris?';
  if (pair.client === 'openai') {
    const client = new OpenAI({ apiKey: 'sk-client', baseURL: `${world.harness.url}/v1`, maxRetries: 0 });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content }];
    if (!stream) {
      const c = await client.chat.completions.create({ model: pair.model, messages }, { headers });
      return { text: c.choices[0]!.message.content ?? '', input: c.usage!.prompt_tokens, output: c.usage!.completion_tokens };
    }
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of await client.chat.completions.create({ model: pair.model, messages, stream: true, stream_options: { include_usage: true } }, { headers })) {
      text += c.choices[0]?.delta.content ?? '';
      usage = c.usage ?? usage;
    }
    return { text, input: usage!.prompt_tokens, output: usage!.completion_tokens };
  }
  const client = new Anthropic({ apiKey: 'sk-ant-client', baseURL: world.harness.url, maxRetries: 0 });
  const params = { model: pair.model, max_tokens: 64, messages: [{ role: 'user' as const, content }] };
  const m = stream ? await client.messages.stream(params, { headers }).finalMessage() : await client.messages.create(params, { headers });
  const text = m.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
  const u = m.usage;
  return { text, input: u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0), output: u.output_tokens };
}

const figuresOf = (row: SqlRow): Figures => {
  const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return {
    input: Number(row['input_tokens']),
    cached: n(row['cached_input_tokens']),
    write: n(row['cache_write_tokens']),
    output: Number(row['output_tokens']),
    reasoning: n(row['reasoning_tokens']),
    total: Number(row['total_tokens']),
  };
};

/** Per-request metric readings (token usage by type, cost, TTFT count) for a model and provider. */
function readings(text: string, pair: Pair): Record<string, number> {
  const labels = { gen_ai_request_model: pair.model, gen_ai_provider_name: pair.provider };
  const tokens = (type: string) => histogramSum(text, 'gen_ai_client_token_usage', { ...labels, gen_ai_token_type: type });
  return {
    input: tokens('input'),
    cached: tokens('cached_input'),
    write: tokens('cache_creation_input'),
    output: tokens('output'),
    reasoning: tokens('reasoning'),
    cost: sampleSum(text, 'gen_ai_client_cost_total', { gen_ai_request_model: pair.model }),
    ttft: histogramCount(text, 'gen_ai_server_time_to_first_token_seconds', labels),
    requests: histogramCount(text, 'gen_ai_server_request_duration_seconds', labels),
  };
}

describe.each(PAIRS)('$name', (pair) => {
  it.each(['whole', 'stream'] as const)('%s: the answer, the request sent, the ledger, the usage metadata and the metrics', async (kind) => {
    const world = worlds[pair.world]!;
    const mode = pair[kind];
    const f = mode.figures;
    const cost = expectedCost(pair.price, f);
    world.answers['provider'] = play(mode.reply());
    const id = `acct-${pair.rule}-${pair.client}-${kind}`;
    const before = readings(await world.svc.metricsText(), pair);

    const view = await ask(world, pair, kind === 'stream', id);
    expect(view.text).toContain(mode.answer);
    expect({ input: view.input, output: view.output }).toEqual({ input: f.input, output: f.output });

    const sent = world.upstreams['provider']!.requests.at(-1)!;
    expect(sent.path).toBe(mode.path);
    expect(String(sent.headers[pair.credential[0]])).toMatch(pair.credential[1]);
    expect(world.harness.violations).toEqual([]);

    const row = await world.ledgerRow(id);
    expect(row).toMatchObject({ rule: pair.rule, backend: pair.backend, provider: pair.provider, model: pair.model, sent_model: pair.sentModel, response_model: mode.responseModel, status: 200, error_type: null });
    expect(row['api']).toBe(pair.client === 'openai' ? 'openai.chat_completions' : 'anthropic.messages');
    expect(Number(row['stream'])).toBe(kind === 'stream' ? 1 : 0);
    expect(figuresOf(row)).toEqual(f);
    expect(Number(row['cost_usd'])).toBeCloseTo(cost, 12);
    if (kind === 'stream') expect(Number(row['ttft_ms'])).toBeGreaterThanOrEqual(0);
    else expect(row['ttft_ms']).toBeNull();

    const metadata = world.harness.exchange(id)!.dynamicMetadata['io.envoy.ai_gateway']!;
    expect(metadata).toMatchObject({ input_tokens: f.input, output_tokens: f.output, total_tokens: f.total, backend: pair.backend, route_name: pair.rule, request_model: pair.model, response_model: mode.responseModel });
    expect(metadata['cached_input_tokens']).toBe(f.cached ?? undefined);
    expect(metadata['cache_creation_input_tokens']).toBe(f.write ?? undefined);
    expect(Number(metadata['cost_usd'])).toBeCloseTo(cost, 12);

    const after = readings(await world.svc.metricsText(), pair);
    const delta = Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - before[k]!]));
    expect(delta).toMatchObject({ input: f.input, cached: f.cached ?? 0, write: f.write ?? 0, output: f.output, reasoning: f.reasoning ?? 0, ttft: kind === 'stream' ? 1 : 0, requests: 1 });
    expect(delta['cost']).toBeCloseTo(cost, 12);
  });
});
