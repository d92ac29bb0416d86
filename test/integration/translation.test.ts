/**
 * Translation on the per-attempt path, through the real service: the official `openai` SDK
 * (streaming and not, with tools) and the `@anthropic-ai/sdk` against recorded Anthropic,
 * Bedrock (ConverseStream and InvokeModel, binary event streams) and Gemini responses. Two
 * Envoy-protocol harnesses stand for Envoy's two ext_proc filters: the router-level one, and
 * the upstream-level one in the backend's cluster (it sends `xds.cluster_name`), whose upstream
 * plays the provider's recorded bytes.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { backendsByClusterName } from '../../src/envoy/bootstrap-clusters.js';
import { startHarness, type Harness } from '../harness/harness.js';
import { startMockUpstream, type MockUpstream, type RecordedRequest } from '../harness/mock-upstream.js';
import { histogramCount, histogramSum } from '../support/prometheus.js';
import { providerFixture, providerJson } from '../support/provider-fixtures.js';
import { startService, type TestService } from '../support/service.js';
import { translationFixture, translationJson } from '../support/translation-fixtures.js';
import { converseStream, invokeStream } from '../support/translation-streams.js';
import { loadConfigText } from '../support/translation-config.js';

const AWS_LITERAL = '[default]\\naws_access_key_id = AKIDTRANSLATE\\naws_secret_access_key = translate-secret\\n';
const CONFIG = `
rules:
  - name: claude
    headers: [{ name: x-ai-eg-model, exact: claude-sonnet-4 }]
    backends:
      - { name: anthropic, schema: { name: Anthropic }, host: api.anthropic.com, modelNameOverride: claude-opus-4-1-20250805, auth: { apiKey: { key: sk-ant-provider } } }
  - name: nova
    headers: [{ name: x-ai-eg-model, exact: nova-pro }]
    backends:
      - { name: bedrock, schema: { name: AWSBedrock }, modelNameOverride: "amazon.nova-pro-v1:0", auth: { aws: { region: us-east-1, credentialFileLiteral: "${AWS_LITERAL}" } } }
  - name: gemini
    headers: [{ name: x-ai-eg-model, exact: gemini-flash }]
    backends:
      - { name: gemini, schema: { name: GCPGemini }, host: generativelanguage.googleapis.com, modelNameOverride: gemini-2.5-flash, auth: { apiKey: { key: g-provider-key } } }
  - name: fallback
    headers: [{ name: x-ai-eg-model, exact: house-claude }]
    backends:
      - { name: primary, schema: { name: Anthropic }, host: api.anthropic.com, modelNameOverride: claude-opus-4-1-20250805, auth: { apiKey: { key: sk-ant-primary } } }
      - { name: secondary, schema: { name: AWSAnthropic }, modelNameOverride: "anthropic.claude-3-5-sonnet-20240620-v1:0", auth: { aws: { region: us-east-1, credentialFileLiteral: "${AWS_LITERAL}" } } }
  - name: claude-vertex
    headers: [{ name: x-ai-eg-model, exact: claude-vertex }]
    backends:
      - { name: vertex-claude, schema: { name: GCPAnthropic }, modelNameOverride: "claude-sonnet-4@20250514", auth: { gcp: { accessToken: ya29.vertex-token, projectName: proj-1, region: us-east5 } } }
  - name: claude-bedrock
    headers: [{ name: x-ai-eg-model, exact: claude-3-5-sonnet }]
    backends:
      - { name: bedrock-claude, schema: { name: AWSAnthropic }, modelNameOverride: "anthropic.claude-3-5-sonnet-20240620-v1:0", auth: { aws: { region: us-east-1, credentialFileLiteral: "${AWS_LITERAL}" } } }
`;

/** The provider's answer to a translated request, by its path: recorded bytes, in several writes. */
function provider(req: RecordedRequest, res: ServerResponse): void {
  const play = (contentType: string, body: Buffer): void => {
    res.writeHead(200, { 'content-type': contentType });
    const step = Math.ceil(body.length / 5);
    for (let at = 0; at < body.length; at += step) res.write(body.subarray(at, at + step));
    res.end();
  };
  const stream = /stream|alt=sse|"stream":true/.test(req.path + req.body.toString('utf8'));
  if (req.path === '/v1/messages') return stream ? play('text/event-stream', providerFixture('anthropic-message-stream-tools.txt')) : play('application/json', providerFixture('anthropic-message.json'));
  if (req.path.startsWith('/model/amazon.nova-pro-v1%3A0/converse')) {
    return stream ? play('application/vnd.amazon.eventstream', converseStream(translationJson('converse-stream-tools.events.json'))) : play('application/json', providerFixture('bedrock-converse.json'));
  }
  if (req.path.startsWith('/v1beta/models/gemini-2.5-flash:')) {
    return stream ? play('text/event-stream', translationFixture('gemini-stream-tools.sse.txt')) : play('application/json', providerFixture('gemini-generate-content.json'));
  }
  if (req.path.startsWith('/v1/projects/proj-1/locations/us-east5/publishers/anthropic/models/claude-sonnet-4%4020250514:')) {
    return stream ? play('text/event-stream', providerFixture('anthropic-message-stream.txt')) : play('application/json', providerFixture('anthropic-message.json'));
  }
  if (req.path.startsWith('/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/invoke')) {
    return stream ? play('application/vnd.amazon.eventstream', invokeStream(providerJson<unknown[]>('bedrock-invoke-anthropic-stream.events.json'))) : play('application/json', providerFixture('bedrock-invoke-anthropic.json'));
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"error":"unexpected path"}');
}

let svc: TestService;
let upstream: MockUpstream;
const harnesses: Harness[] = [];

/** Router-level harness → upstream-level harness (cluster of `backend`) → the recorded provider. */
async function chain(rule: string, backend: string): Promise<{ url: string; router: Harness; attempt: Harness }> {
  const cluster = [...backendsByClusterName(loadConfigText(CONFIG)).entries()].find(([, b]) => b.name === backend)![0];
  const attempt = await startHarness({
    processorAddress: svc.target,
    mode: { requestBody: 'BUFFERED', responseBody: 'STREAMED' },
    attributes: { 'xds.cluster_name': cluster },
    routes: [],
    defaultUpstream: 'provider',
    upstreams: { provider: upstream },
  });
  const router = await startHarness({
    processorAddress: svc.target,
    mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
    allowModeOverride: true,
    routes: [{ header: 'x-ai-eg-selected-route', value: rule, upstream: 'attempt' }],
    upstreams: { attempt },
  });
  harnesses.push(router, attempt);
  return { url: router.url, router, attempt };
}

beforeAll(async () => {
  svc = await startService({ yaml: CONFIG });
  upstream = await startMockUpstream({ handler: provider });
});

afterAll(async () => {
  for (const h of harnesses) await h.close();
  await upstream?.close();
  await svc?.stop();
});

const TOOLS: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }];
const ASK: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];

function lastRequest(): RecordedRequest {
  return upstream.requests.at(-1)!;
}

describe('OpenAI SDK served by other providers, per attempt', () => {
  it('Anthropic: a streamed tool call, the provider key, and usage in the metrics', async () => {
    const { url, router, attempt } = await chain('claude', 'anthropic');
    const client = new OpenAI({ apiKey: 'sk-client', baseURL: `${url}/v1`, maxRetries: 0 });
    const final = await client.chat.completions.stream({ model: 'claude-sonnet-4', messages: ASK, tools: TOOLS, stream_options: { include_usage: true } }).finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.choices[0]!.message.tool_calls?.[0]).toMatchObject({ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', function: { name: 'get_weather', arguments: '{"location": "Paris"}' } });
    expect(final.usage).toMatchObject({ prompt_tokens: 340, completion_tokens: 90 });
    const sent = lastRequest();
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe('sk-ant-provider');
    expect(sent.headers['authorization']).toBeUndefined();
    const body = JSON.parse(sent.body.toString('utf8')) as Record<string, unknown>;
    expect(body).toMatchObject({ model: 'claude-opus-4-1-20250805', max_tokens: 4096, stream: true, tools: [{ name: 'get_weather' }] });
    expect(Number(sent.headers['content-length'])).toBe(sent.body.length);
    expect([...router.violations, ...attempt.violations]).toEqual([]);
    const text = await svc.metricsText();
    expect(histogramSum(text, 'gen_ai_client_token_usage', { gen_ai_token_type: 'input', gen_ai_request_model: 'claude-sonnet-4' })).toBe(340);
    expect(histogramSum(text, 'gen_ai_client_token_usage', { gen_ai_token_type: 'output', gen_ai_request_model: 'claude-sonnet-4' })).toBe(90);
  });

  it('Anthropic: a whole message', async () => {
    const { url } = await chain('claude', 'anthropic');
    const client = new OpenAI({ apiKey: 'sk-client', baseURL: `${url}/v1`, maxRetries: 0 });
    const c = await client.chat.completions.create({ model: 'claude-sonnet-4', messages: ASK });
    expect(c.choices[0]!.message.content).toContain('prompt caching');
    expect(c.usage?.prompt_tokens_details?.cached_tokens).toBe(2048);
  });

  it('Bedrock ConverseStream: the binary event stream becomes OpenAI chunks; the request is SigV4-signed after translation', async () => {
    const { url, router, attempt } = await chain('nova', 'bedrock');
    const client = new OpenAI({ apiKey: 'sk-client', baseURL: `${url}/v1`, maxRetries: 0 });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of await client.chat.completions.create({ model: 'nova-pro', messages: ASK, tools: TOOLS, stream: true })) chunks.push(c);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Let me check the weather in Paris — "quoted" ☀.');
    const call = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(call[0]).toMatchObject({ id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', function: { name: 'get_weather' } });
    // The client did not ask for usage: the usage chunk is read by the gateway, not passed on.
    expect(chunks.some((c) => c.usage)).toBe(false);
    const sent = lastRequest();
    expect(sent.path).toBe('/model/amazon.nova-pro-v1%3A0/converse-stream');
    expect(sent.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTRANSLATE\//);
    // The signature covers the translated body, not the client's.
    expect(sent.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(sent.body).digest('hex'));
    expect(JSON.parse(sent.body.toString('utf8'))).toMatchObject({ messages: [{ role: 'user', content: [{ text: 'Weather in Paris?' }] }], toolConfig: { tools: [{ toolSpec: { name: 'get_weather' } }] } });
    expect([...router.violations, ...attempt.violations]).toEqual([]);
    const text = await svc.metricsText();
    expect(histogramSum(text, 'gen_ai_client_token_usage', { gen_ai_token_type: 'input', gen_ai_request_model: 'nova-pro' })).toBe(1242);
    expect(histogramSum(text, 'gen_ai_client_token_usage', { gen_ai_token_type: 'cached_input', gen_ai_request_model: 'nova-pro' })).toBe(1200);
  });

  it('Gemini: a streamed function call, and a whole response', async () => {
    const { url } = await chain('gemini', 'gemini');
    const client = new OpenAI({ apiKey: 'sk-client', baseURL: `${url}/v1`, maxRetries: 0 });
    const final = await client.chat.completions.stream({ model: 'gemini-flash', messages: ASK, tools: TOOLS }).finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' ? JSON.parse(call.function.arguments) : undefined).toEqual({ location: 'Paris', unit: 'celsius' });
    expect(lastRequest().path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(lastRequest().headers['x-goog-api-key']).toBe('g-provider-key');
    const whole = await client.chat.completions.create({ model: 'gemini-flash', messages: ASK });
    expect(whole.choices[0]!.message.content).toBe('A haiku about the sea.');
  });

  it('refuses what the target cannot express with a 400 the SDK raises, naming the field', async () => {
    const { url } = await chain('nova', 'bedrock');
    const client = new OpenAI({ apiKey: 'sk-client', baseURL: `${url}/v1`, maxRetries: 0 });
    const refused = client.chat.completions.create({ model: 'nova-pro', messages: ASK, response_format: { type: 'json_object' } });
    await expect(refused).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(refused).rejects.toMatchObject({ param: 'response_format' });
  });
});

describe('a rule whose backends speak different APIs (cross-provider fallback)', () => {
  it('translates each attempt for the backend Envoy picked: the client sees one API either way', async () => {
    const results: string[] = [];
    for (const [backend, path, credential] of [
      ['primary', '/v1/messages', 'x-api-key'],
      ['secondary', '/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/invoke-with-response-stream', 'authorization'],
    ] as const) {
      const { url, router, attempt } = await chain('fallback', backend);
      const client = new OpenAI({ apiKey: 'sk-client', baseURL: `${url}/v1`, maxRetries: 0 });
      const final = await client.chat.completions.stream({ model: 'house-claude', messages: ASK }).finalChatCompletion();
      expect(final.object).toBe('chat.completion');
      results.push(final.choices[0]!.finish_reason);
      expect(lastRequest().path).toBe(path);
      expect(lastRequest().headers[credential]).toBeDefined();
      expect([...router.violations, ...attempt.violations]).toEqual([]);
    }
    expect(results).toEqual(['tool_calls', 'stop']);
    const text = await svc.metricsText();
    expect(histogramSum(text, 'gen_ai_client_token_usage', { gen_ai_token_type: 'input', gen_ai_request_model: 'house-claude' })).toBe(340 + 14);
    expect(histogramSum(text, 'gen_ai_client_token_usage', { gen_ai_token_type: 'output', gen_ai_request_model: 'house-claude' })).toBe(90 + 9);
    // Time to first token is measured on the translated stream, once per request.
    expect(histogramCount(text, 'gen_ai_server_time_to_first_token_seconds', { gen_ai_request_model: 'house-claude' })).toBe(2);
  });
});

describe('Anthropic SDK served by Claude on Bedrock, per attempt', () => {
  it('streams and reads whole messages from InvokeModel', async () => {
    const { url } = await chain('claude-bedrock', 'bedrock-claude');
    const client = new Anthropic({ apiKey: 'sk-ant-client', baseURL: url, maxRetries: 0 });
    const streamed = await client.messages.stream({ model: 'claude-3-5-sonnet', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(streamed.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello!' })]);
    expect(lastRequest().path).toBe('/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/invoke-with-response-stream');
    expect(JSON.parse(lastRequest().body.toString('utf8'))).toMatchObject({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 50 });
    const whole = await client.messages.create({ model: 'claude-3-5-sonnet', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    expect(whole.type).toBe('message');
    const text = await svc.metricsText();
    expect(histogramSum(text, 'gen_ai_client_token_usage', { gen_ai_token_type: 'output', gen_ai_request_model: 'claude-3-5-sonnet' })).toBeGreaterThan(0);
  });
});

describe('Anthropic SDK served by Claude on Vertex AI, per attempt', () => {
  it('sends rawPredict / streamRawPredict with the model in the URL and the Vertex token', async () => {
    const { url, router, attempt } = await chain('claude-vertex', 'vertex-claude');
    const client = new Anthropic({ apiKey: 'sk-ant-client', baseURL: url, maxRetries: 0 });
    const whole = await client.messages.create({ model: 'claude-vertex', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    expect(whole.usage.cache_read_input_tokens).toBe(2048);
    expect(lastRequest().path).toBe('/v1/projects/proj-1/locations/us-east5/publishers/anthropic/models/claude-sonnet-4%4020250514:rawPredict');
    expect(lastRequest().headers['authorization']).toBe('Bearer ya29.vertex-token');
    expect(JSON.parse(lastRequest().body.toString('utf8'))).toMatchObject({ anthropic_version: 'vertex-2023-10-16', max_tokens: 50 });
    const streamed = await client.messages.stream({ model: 'claude-vertex', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(streamed.stop_reason).toBeDefined();
    expect(lastRequest().path.endsWith(':streamRawPredict')).toBe(true);
    expect([...router.violations, ...attempt.violations]).toEqual([]);
  });
});
