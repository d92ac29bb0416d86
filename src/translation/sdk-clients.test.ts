/**
 * The official SDKs parse what the translation writes: the `openai` client (streaming and not,
 * with tools) against recorded Anthropic, Bedrock ConverseStream (binary event stream), Claude on
 * Bedrock and Gemini responses; the `@anthropic-ai/sdk` client against Claude on Bedrock and
 * Vertex AI responses and a recorded OpenAI-compatible stream.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCassette } from '../../test/support/cassettes.js';
import { providerFixture, providerJson } from '../../test/support/provider-fixtures.js';
import { randomChunks, seededRandom } from '../../test/support/chunking.js';
import { awsExceptionFrame, converseStream, invokeStream } from '../../test/support/translation-streams.js';
import { translationFixture, translationJson } from '../../test/support/translation-fixtures.js';
import { type PlayedResponse, startTranslatingServer, type TranslatingServer } from '../../test/support/translating-server.js';
import { anthropicTranslator } from './anthropic-pairs.js';
import { openAiChatTranslator } from './openai-chat-pairs.js';

const SSE = { 'content-type': 'text/event-stream' };
const AWS = { 'content-type': 'application/vnd.amazon.eventstream' };
const JSON_CT = { 'content-type': 'application/json' };

/** The body in random chunks, as Envoy would deliver it. */
function played(status: number, headers: Record<string, string>, body: Buffer, seed = 7): PlayedResponse {
  return { status, headers, chunks: randomChunks(body, seededRandom(seed), 97).map((c) => Buffer.from(c)) };
}

const servers: TranslatingServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function openAiClient(server: Promise<TranslatingServer>): Promise<OpenAI> {
  const s = await server;
  servers.push(s);
  return new OpenAI({ apiKey: 'sk-test', baseURL: `${s.url}/v1`, maxRetries: 0 });
}

const TOOLS: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }];
const ASK: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];

describe('openai SDK', () => {
  it('streams a tool call from Anthropic (runTools-style accumulation via .stream())', async () => {
    const client = await openAiClient(startTranslatingServer(openAiChatTranslator({ kind: 'anthropic' }), () => played(200, SSE, providerFixture('anthropic-message-stream-tools.txt'))));
    const stream = client.chat.completions.stream({ model: 'claude-opus-4-1', messages: ASK, tools: TOOLS, stream_options: { include_usage: true } });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.choices[0]!.message.tool_calls).toEqual([expect.objectContaining({ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', function: { name: 'get_weather', arguments: '{"location": "Paris"}' } })]);
    expect(final.usage).toMatchObject({ prompt_tokens: 340, completion_tokens: 90 });
  });

  it('reads a whole Anthropic message', async () => {
    const client = await openAiClient(startTranslatingServer(openAiChatTranslator({ kind: 'anthropic' }), () => played(200, JSON_CT, providerFixture('anthropic-message.json'))));
    const c = await client.chat.completions.create({ model: 'claude-sonnet-4', messages: ASK });
    expect(c.choices[0]!.message.content).toContain('prompt caching');
    expect(c.usage?.prompt_tokens_details?.cached_tokens).toBe(2048);
  });

  it('streams text and a tool call from a Bedrock ConverseStream (binary event stream)', async () => {
    const client = await openAiClient(
      startTranslatingServer(openAiChatTranslator({ kind: 'bedrock-converse' }), () => played(200, AWS, converseStream(translationJson('converse-stream-tools.events.json')))),
    );
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of await client.chat.completions.create({ model: 'amazon.nova-pro-v1:0', messages: ASK, tools: TOOLS, stream: true })) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Let me check the weather in Paris — "quoted" ☀.');
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 1242, completion_tokens: 37, prompt_tokens_details: { cached_tokens: 1200 } });
  });

  it('streams from Claude on Bedrock (InvokeModel) and surfaces a stream exception as an APIError', async () => {
    const events = providerJson<unknown[]>('bedrock-invoke-anthropic-stream.events.json');
    const client = await openAiClient(startTranslatingServer(openAiChatTranslator({ kind: 'bedrock-anthropic' }), () => played(200, AWS, invokeStream(events))));
    const final = await client.chat.completions.stream({ model: 'anthropic.claude-3-5-sonnet-20240620-v1:0', messages: ASK }).finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Hello!');
    const broken = await openAiClient(
      startTranslatingServer(openAiChatTranslator({ kind: 'bedrock-anthropic' }), () => played(200, AWS, Buffer.concat([invokeStream(events.slice(0, 3)), awsExceptionFrame('throttlingException', 'slow down')]))),
    );
    const consume = async (): Promise<void> => {
      for await (const _ of await broken.chat.completions.create({ model: 'x', messages: ASK, stream: true })) void _;
    };
    await expect(consume()).rejects.toThrow(/slow down/);
  });

  it('streams a function call from Gemini and reads a whole Gemini response', async () => {
    const client = await openAiClient(startTranslatingServer(openAiChatTranslator({ kind: 'gemini' }), (req) => (req.stream ? played(200, SSE, translationFixture('gemini-stream-tools.sse.txt')) : played(200, JSON_CT, providerFixture('gemini-generate-content.json')))));
    const final = await client.chat.completions.stream({ model: 'gemini-2.5-flash', messages: ASK, tools: TOOLS }).finalChatCompletion();
    expect(JSON.parse(final.choices[0]!.message.tool_calls![0]!.type === 'function' ? final.choices[0]!.message.tool_calls![0]!.function.arguments : '{}')).toEqual({ location: 'Paris', unit: 'celsius' });
    const whole = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: ASK });
    expect(whole.choices[0]!.message.content).toBe('A haiku about the sea.');
    expect(whole.usage?.completion_tokens_details?.reasoning_tokens).toBe(210);
  });

  it('gets provider errors and refusals as the SDK’s own error classes', async () => {
    const client = await openAiClient(startTranslatingServer(openAiChatTranslator({ kind: 'gemini' }), () => played(429, JSON_CT, providerFixture('gemini-error.json'))));
    await expect(client.chat.completions.create({ model: 'g', messages: ASK })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    const refused = client.chat.completions.create({ model: 'g', messages: ASK, n: 3 });
    await expect(refused).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(refused).rejects.toMatchObject({ param: 'n' });
  });
});

describe('@anthropic-ai/sdk', () => {
  async function anthropicClient(server: Promise<TranslatingServer>): Promise<{ client: Anthropic; server: TranslatingServer }> {
    const s = await server;
    servers.push(s);
    return { client: new Anthropic({ apiKey: 'sk-ant-test', baseURL: s.url, maxRetries: 0 }), server: s };
  }

  it('streams from Claude on Bedrock (InvokeModel event stream)', async () => {
    const { client, server } = await anthropicClient(startTranslatingServer(anthropicTranslator({ kind: 'bedrock-anthropic' }), () => played(200, AWS, invokeStream(providerJson<unknown[]>('bedrock-invoke-anthropic-stream.events.json')))));
    const msg = await client.messages.stream({ model: 'anthropic.claude-3-5-sonnet-20240620-v1:0', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(msg.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello!' })]);
    expect(msg.usage.output_tokens).toBe(9);
    expect(server.seen[0]!.path).toBe('/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/invoke-with-response-stream');
  });

  it('reads whole messages from Claude on Bedrock and Vertex AI', async () => {
    const bedrock = await anthropicClient(startTranslatingServer(anthropicTranslator({ kind: 'bedrock-anthropic' }), () => played(200, JSON_CT, providerFixture('bedrock-invoke-anthropic.json'))));
    const m1 = await bedrock.client.messages.create({ model: 'anthropic.claude-3-haiku', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    expect(m1.type).toBe('message');
    const vertex = await anthropicClient(
      startTranslatingServer(anthropicTranslator({ kind: 'vertex-anthropic', vertex: { project: 'p', region: 'us-east5' } }), (req) =>
        req.stream ? played(200, SSE, providerFixture('anthropic-message-stream.txt')) : played(200, JSON_CT, providerFixture('anthropic-message.json')),
      ),
    );
    const m2 = await vertex.client.messages.create({ model: 'claude-sonnet-4@20250514', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    expect(m2.usage.cache_read_input_tokens).toBe(2048);
    const m3 = await vertex.client.messages.stream({ model: 'claude-sonnet-4@20250514', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(m3.stop_reason).toBeDefined();
    expect(vertex.server.seen.map((r) => r.path)).toEqual([
      '/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4%4020250514:rawPredict',
      '/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4%4020250514:streamRawPredict',
    ]);
  });

  it('streams a tool call from an OpenAI-compatible server, and a recorded OpenAI stream', async () => {
    const { client } = await anthropicClient(startTranslatingServer(anthropicTranslator({ kind: 'openai' }), () => played(200, SSE, translationFixture('openai-chat-stream-tools.txt'))));
    const msg = await client.messages
      .stream({ model: 'Qwen/Qwen2.5-7B-Instruct', max_tokens: 50, messages: [{ role: 'user', content: 'Weather?' }], tools: [{ name: 'get_weather', input_schema: { type: 'object' } }] })
      .finalMessage();
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.content.find((b) => b.type === 'tool_use')).toMatchObject({ id: 'call_abc123', name: 'get_weather', input: { location: 'Paris' } });
    expect(msg.usage).toMatchObject({ input_tokens: 52, cache_read_input_tokens: 128, output_tokens: 24 });
    const recorded = Buffer.from(loadCassette('chat-streaming').interactions[0]!.response.body);
    const rec = await anthropicClient(startTranslatingServer(anthropicTranslator({ kind: 'openai' }), () => played(200, SSE, recorded)));
    const text = await rec.client.messages.stream({ model: 'gpt-5-nano', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(text.content[0]).toMatchObject({ type: 'text' });
  });

  it('gets a refusal as a BadRequestError', async () => {
    const { client } = await anthropicClient(startTranslatingServer(anthropicTranslator({ kind: 'openai' }), () => played(200, JSON_CT, Buffer.from('{}'))));
    await expect(client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }], thinking: { type: 'enabled', budget_tokens: 1024 } })).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });
});
