/**
 * Prompt caching on translated requests, through the real service and the Envoy-protocol harness
 * playing the generated Envoy config: the cache hints are written in the dialect of the body each
 * attempt actually sends — `cache_control` blocks when an OpenAI request becomes an Anthropic
 * Messages request (Anthropic API, Claude on Bedrock), `cachePoint` blocks when it becomes a
 * Bedrock Converse request, none for Gemini — after the translation and before the SigV4
 * signature. On a rule whose backends speak different APIs each attempt gets its own dialect,
 * with the cache key the router level derived (here from the trace), and never the internal
 * header that carries it.
 */
import { createHash } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../harness/mock-upstream.js';
import { play, startLedgerWorld, type LedgerWorld } from '../support/ledger-world.js';
import { providerFixture } from '../support/provider-fixtures.js';

const AWS = 'auth: { aws: { region: us-east-1, credentialFileLiteral: "[default]\\naws_access_key_id = AKIDCACHE\\naws_secret_access_key = cache-secret\\n" } }';
const CACHING = 'promptCaching: { mode: auto, minTokens: 1024 }';
const CONFIG = `
rules:
  - name: to-anthropic
    headers: [{ name: x-ai-eg-model, exact: cache-claude }]
    ${CACHING}
    backends: [{ name: claude-direct, schema: { name: Anthropic }, host: api.anthropic.com, modelNameOverride: claude-sonnet-4-20250514, auth: { apiKey: { key: sk-ant-provider } } }]
  - name: to-converse
    headers: [{ name: x-ai-eg-model, exact: cache-nova }]
    ${CACHING}
    backends: [{ name: nova, schema: { name: AWSBedrock }, host: bedrock-runtime.us-east-1.amazonaws.com, modelNameOverride: "amazon.nova-pro-v1:0", ${AWS} }]
  - name: to-bedrock-claude
    headers: [{ name: x-ai-eg-model, exact: cache-bedrock-claude }]
    ${CACHING}
    backends: [{ name: claude-on-bedrock, schema: { name: AWSAnthropic }, host: bedrock-runtime.us-east-1.amazonaws.com, modelNameOverride: "anthropic.claude-3-5-sonnet-20240620-v1:0", ${AWS} }]
  - name: to-gemini
    headers: [{ name: x-ai-eg-model, exact: cache-gemini }]
    ${CACHING}
    backends: [{ name: gemini-api, schema: { name: GCPGemini }, host: generativelanguage.googleapis.com, modelNameOverride: gemini-2.5-flash, auth: { apiKey: { key: g-provider-key } } }]
  - name: mixed
    headers: [{ name: x-ai-eg-model, exact: cache-mixed }]
    retry: { numRetries: 1 }
    promptCaching: { mode: auto, minTokens: 1024, key: { from: trace } }
    backends:
      - { name: openai-direct, schema: { name: OpenAI }, host: api.openai.com, priority: 0, auth: { apiKey: { key: sk-openai-provider } } }
      - { name: claude-fallback, schema: { name: Anthropic }, host: api.anthropic.com, priority: 1, modelNameOverride: claude-sonnet-4-20250514, auth: { apiKey: { key: sk-ant-provider } } }
`;
const BACKENDS = ['claude-direct', 'nova', 'claude-on-bedrock', 'gemini-api', 'openai-direct', 'claude-fallback'];

const SYSTEM = 'You are a careful assistant. '.repeat(200); // ≈ 1450 estimated tokens: above minTokens
const TOOLS: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather by city. '.repeat(300), parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
];
const MESSAGES: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'system', content: SYSTEM },
  { role: 'user', content: 'Weather in Paris?' },
];
const EPHEMERAL = { type: 'ephemeral' };

let world: LedgerWorld;

beforeAll(async () => {
  world = await startLedgerWorld({ yaml: CONFIG, prices: 'models: []\n', upstreams: BACKENDS, upstreamOf: (name) => name.replace(/^backend_/, '') });
  const json = (name: string) => play({ contentType: 'application/json', body: providerFixture(name) });
  world.answers['claude-direct'] = json('anthropic-message.json');
  world.answers['claude-fallback'] = json('anthropic-message.json');
  world.answers['nova'] = json('bedrock-converse.json');
  world.answers['claude-on-bedrock'] = json('bedrock-invoke-anthropic.json');
  world.answers['gemini-api'] = json('gemini-generate-content.json');
  world.answers['openai-direct'] = play({ status: 429, contentType: 'application/json', body: Buffer.from('{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}') });
});

afterAll(async () => {
  await world?.close();
});

const openai = () => new OpenAI({ apiKey: 'sk-client', baseURL: `${world.harness.url}/v1`, maxRetries: 0 });
const sent = (backend: string): { req: RecordedRequest; body: Record<string, any> } => {
  const req = world.upstreams[backend]!.requests.at(-1)!;
  return { req, body: JSON.parse(req.body.toString('utf8')) as Record<string, any> };
};

/** What every hinted request must also be: the internal key header gone, the length and signature right. */
function wellFormed(req: RecordedRequest): void {
  expect(req.headers['x-llm-extproc-prompt-cache-key']).toBeUndefined();
  expect(Number(req.headers['content-length'])).toBe(req.body.length);
  if (req.headers['x-amz-content-sha256'] !== undefined) expect(req.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(req.body).digest('hex'));
}

describe('an OpenAI client’s request, translated', () => {
  it('for the Anthropic API carries cache_control on the system prompt and the last tool', async () => {
    await openai().chat.completions.create({ model: 'cache-claude', messages: MESSAGES, tools: TOOLS });
    const { req, body } = sent('claude-direct');
    expect(req.path).toBe('/v1/messages');
    expect(body['system']).toEqual([{ type: 'text', text: SYSTEM, cache_control: EPHEMERAL }]);
    expect(body['tools'].at(-1)).toMatchObject({ name: 'get_weather', cache_control: EPHEMERAL });
    expect(body['prompt_cache_key']).toBeUndefined();
    wellFormed(req);
  });

  it('for Claude on Bedrock (InvokeModel) carries cache_control too, and the signature covers it', async () => {
    await openai().chat.completions.create({ model: 'cache-bedrock-claude', messages: MESSAGES, tools: TOOLS });
    const { req, body } = sent('claude-on-bedrock');
    expect(req.path).toBe('/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/invoke');
    expect(body).toMatchObject({ anthropic_version: 'bedrock-2023-05-31', system: [{ type: 'text', text: SYSTEM, cache_control: EPHEMERAL }] });
    expect(body['tools'].at(-1).cache_control).toEqual(EPHEMERAL);
    expect(req.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDCACHE\//);
    wellFormed(req);
  });

  it('for Bedrock Converse carries cachePoint blocks after the system prompt and the tools', async () => {
    await openai().chat.completions.create({ model: 'cache-nova', messages: MESSAGES, tools: TOOLS });
    const { req, body } = sent('nova');
    expect(req.path).toBe('/model/amazon.nova-pro-v1%3A0/converse');
    expect(body['system']).toEqual([{ text: SYSTEM }, { cachePoint: { type: 'default' } }]);
    expect(body['toolConfig']['tools']).toEqual([expect.objectContaining({ toolSpec: expect.objectContaining({ name: 'get_weather' }) }), { cachePoint: { type: 'default' } }]);
    wellFormed(req);
  });

  it('for Gemini carries no hint (Gemini has no per-request one)', async () => {
    await openai().chat.completions.create({ model: 'cache-gemini', messages: MESSAGES, tools: TOOLS });
    const { req, body } = sent('gemini-api');
    expect(Object.keys(body).sort()).toEqual(['contents', 'systemInstruction', 'tools']);
    expect(req.body.toString('utf8')).not.toMatch(/cache/i);
    wellFormed(req);
  });
});

describe('an Anthropic client’s own hint', () => {
  it('wins on a translated request: nothing is added beside it', async () => {
    const client = new Anthropic({ apiKey: 'sk-ant-client', baseURL: world.harness.url, maxRetries: 0 });
    await client.messages.create({
      model: 'cache-bedrock-claude',
      max_tokens: 64,
      system: [{ type: 'text', text: SYSTEM, cache_control: { type: 'ephemeral' } }],
      tools: [{ name: 'get_weather', description: 'Weather by city. '.repeat(300), input_schema: { type: 'object', properties: {} } }],
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    const { req, body } = sent('claude-on-bedrock');
    expect(body['system']).toEqual([{ type: 'text', text: SYSTEM, cache_control: EPHEMERAL }]);
    expect(body['tools'][0].cache_control).toBeUndefined();
    wellFormed(req);
  });
});

describe('a rule whose backends speak different APIs', () => {
  it('gives each attempt the hints of its own API, with the key the router level derived from the trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const completion = await openai().chat.completions.create(
      { model: 'cache-mixed', messages: MESSAGES, tools: TOOLS },
      { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-harness-id': 'mixed-cache' } },
    );
    expect(completion.choices[0]!.message.content).toContain('prompt caching');
    expect(world.harness.exchange('mixed-cache')!.attempts.map((a) => [a.upstream, a.status])).toEqual([
      ['openai-direct', 429],
      ['claude-fallback', 200],
    ]);
    const first = sent('openai-direct');
    expect(first.body['prompt_cache_key']).toBe(`t-${createHash('sha256').update(`trace:${traceId}`).digest('hex').slice(0, 32)}`);
    expect(first.body['messages'][0]).toEqual({ role: 'system', content: SYSTEM });
    wellFormed(first.req);
    // The OpenAI hint would be refused by the translation; the Anthropic attempt gets its own.
    const second = sent('claude-fallback');
    expect(second.body['prompt_cache_key']).toBeUndefined();
    expect(second.body['system']).toEqual([{ type: 'text', text: SYSTEM, cache_control: EPHEMERAL }]);
    wellFormed(second.req);
    expect(world.harness.violations).toEqual([]);
  });

  it('drops a client’s copy of the internal key header', async () => {
    await openai().chat.completions.create({ model: 'cache-mixed', messages: MESSAGES }, { headers: { 'x-llm-extproc-prompt-cache-key': 'chosen-by-client' } });
    // The key is the router level's own (from the trace it started), never the client's value.
    expect(sent('openai-direct').body['prompt_cache_key']).toMatch(/^t-[0-9a-f]{32}$/);
    wellFormed(sent('openai-direct').req);
    wellFormed(sent('claude-fallback').req);
  });
});
