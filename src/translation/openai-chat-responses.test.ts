/**
 * Provider responses (the vectors in test/fixtures) rewritten for OpenAI Chat clients: the
 * chunks the client gets, and the usage the service's own OpenAI reader finds in them, which
 * must equal what the provider's reader finds in the provider's bytes.
 */
import { describe, expect, it } from 'vitest';
import type { ApiSpec, TokenUsage } from '../apis/api.js';
import { anthropicMessages } from '../apis/anthropic-messages.js';
import { bedrockConverse, bedrockInvoke } from '../apis/bedrock.js';
import { geminiGenerateContent } from '../apis/gemini.js';
import { openAiChatCompletions } from '../apis/openai-chat-completions.js';
import { providerFixture, providerJson } from '../../test/support/provider-fixtures.js';
import { awsExceptionFrame, converseStream, invokeStream, runTranslator, sseData } from '../../test/support/translation-streams.js';
import { type RecordedAwsEvent, translationFixture, translationJson } from '../../test/support/translation-fixtures.js';
import type { ResponseTranslator, TranslationTarget } from './contract.js';
import { openAiChatTranslator } from './openai-chat-pairs.js';

const SSE = 'text/event-stream';
const AWS = 'application/vnd.amazon.eventstream';
const JSON_CT = 'application/json';
const env = { now: () => 1_700_000_000_000, newId: () => 'fixed' };

function responseFor(target: TranslationTarget, stream: boolean, status: number, contentType: string, extra: Record<string, string> = {}): ResponseTranslator {
  const out = openAiChatTranslator(target, env).translate({
    path: '/v1/chat/completions',
    headers: {},
    body: Buffer.from(JSON.stringify({ model: 'client-model', messages: [{ role: 'user', content: 'hi' }], stream })),
  });
  if (!out.ok) throw new Error(out.body);
  return out.request.responseTranslator(status, { 'content-type': contentType, ...extra });
}

function usageOf(spec: ApiSpec, bytes: Buffer, stream: boolean, contentType: string): TokenUsage {
  const p = spec.newResponseParser({ stream, contentType });
  p.push(bytes);
  return p.end().usage;
}

/** The counts OpenAI usage can carry (cache writes are counted in the prompt, not apart). */
function comparable(u: TokenUsage): Partial<TokenUsage> {
  return { input: u.input, cachedInput: u.cachedInput ?? 0, cacheCreationInput: u.cacheCreationInput ?? 0, output: u.output, reasoning: u.reasoning, total: u.total };
}

type Chunk = { id: string; model: string; choices: Array<{ delta: Record<string, unknown>; finish_reason: string | null }>; usage?: Record<string, unknown> };

function chunks(text: string): Chunk[] {
  const data = sseData(text);
  expect(data[data.length - 1]).toBe('[DONE]');
  return data.slice(0, -1) as Chunk[];
}

function contentOf(cs: Chunk[]): string {
  return cs.map((c) => (c.choices[0]?.delta['content'] as string | undefined) ?? '').join('');
}

function toolArgs(cs: Chunk[], index: number): string {
  return cs
    .flatMap((c) => (c.choices[0]?.delta['tool_calls'] as Array<{ index: number; function: { arguments?: string } }> | undefined) ?? [])
    .filter((t) => t.index === index)
    .map((t) => t.function.arguments ?? '')
    .join('');
}

describe('Anthropic Messages stream → OpenAI chunks', () => {
  const provider = providerFixture('anthropic-message-stream-tools.txt');
  const rt = responseFor({ kind: 'anthropic' }, true, 200, SSE);
  const out = runTranslator(rt, [provider]);
  const cs = chunks(out.toString('utf8'));

  it('sets the SSE content type and drops content-length', () => {
    expect(rt.headers.set).toContainEqual(['content-type', SSE]);
    expect(rt.headers.remove).toContain('content-length');
  });

  it('streams the tool call with its id and name, then its argument deltas', () => {
    expect(cs[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(cs[0]!.id).toBe('msg_01Tools9kP');
    expect(cs[0]!.model).toBe('claude-opus-4-1-20250805');
    const start = cs.find((c) => (c.choices[0]?.delta['tool_calls'] as unknown[] | undefined)?.length);
    expect(start!.choices[0]!.delta['tool_calls']).toEqual([{ index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } }]);
    expect(JSON.parse(toolArgs(cs, 0))).toEqual({ location: 'Paris' });
    expect(contentOf(cs)).toBe('');
    expect(cs.at(-2)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('ends with the usage chunk the OpenAI reader reads: same counts as the Anthropic reader', () => {
    expect(cs.at(-1)!.choices).toEqual([]);
    expect(comparable(usageOf(openAiChatCompletions, out, true, SSE))).toEqual(comparable(usageOf(anthropicMessages, provider, true, SSE)));
    expect(usageOf(openAiChatCompletions, out, true, SSE)).toMatchObject({ input: 340, output: 90 });
  });

  it('turns an error event into an OpenAI error event', () => {
    const err = runTranslator(responseFor({ kind: 'anthropic' }, true, 200, SSE), [providerFixture('anthropic-stream-error.txt')]).toString('utf8');
    const last = sseData(err).at(-1) as { error: { type: string; message: string } };
    expect(last.error.type).toBe('server_error');
    expect(last.error.message).toMatch(/overloaded/i);
  });

  it('rewrites a whole message as a chat.completion', () => {
    const body = providerFixture('anthropic-message.json');
    const json = JSON.parse(runTranslator(responseFor({ kind: 'anthropic' }, false, 200, JSON_CT), [body]).toString('utf8'));
    expect(json).toMatchObject({
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      object: 'chat.completion',
      model: 'claude-sonnet-4-20250514',
      choices: [{ index: 0, message: { role: 'assistant', content: "The report's main finding is that prompt caching cut latency by half." }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12 + 1024 + 2048, completion_tokens: 256, prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 1024 } },
    });
    const translated = Buffer.from(JSON.stringify(json));
    expect(comparable(usageOf(openAiChatCompletions, translated, false, JSON_CT))).toEqual(comparable(usageOf(anthropicMessages, body, false, JSON_CT)));
  });
});

describe('Claude on Bedrock InvokeModel stream → OpenAI chunks', () => {
  it('decodes the chunk frames and streams the text, finish and usage', () => {
    const provider = invokeStream(providerJson<unknown[]>('bedrock-invoke-anthropic-stream.events.json'));
    const out = runTranslator(responseFor({ kind: 'bedrock-anthropic' }, true, 200, AWS), [provider]);
    const cs = chunks(out.toString('utf8'));
    expect(contentOf(cs)).toBe('Hello!');
    expect(cs.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect(comparable(usageOf(openAiChatCompletions, out, true, SSE))).toEqual(comparable(usageOf(bedrockInvoke, provider, true, AWS)));
  });

  it('turns an exception frame into an OpenAI error event', () => {
    const provider = Buffer.concat([invokeStream(providerJson<unknown[]>('bedrock-invoke-anthropic-stream.events.json').slice(0, 3)), awsExceptionFrame('throttlingException', 'Too many tokens')]);
    const last = sseData(runTranslator(responseFor({ kind: 'bedrock-anthropic' }, true, 200, AWS), [provider]).toString('utf8')).at(-1) as { error: Record<string, unknown> };
    expect(last.error).toMatchObject({ message: 'Too many tokens', type: 'rate_limit_error', code: 'throttlingException' });
  });
});

describe('Bedrock ConverseStream → OpenAI chunks', () => {
  it('streams text and the tool call; usage equals the Converse reader’s', () => {
    const provider = converseStream(translationJson('converse-stream-tools.events.json'));
    const out = runTranslator(responseFor({ kind: 'bedrock-converse' }, true, 200, AWS), [provider]);
    const cs = chunks(out.toString('utf8'));
    expect(cs[0]!.id).toBe('chatcmpl-fixed');
    expect(cs[0]!.model).toBe('client-model');
    expect(contentOf(cs)).toBe('Let me check the weather in Paris — "quoted" ☀.');
    expect(JSON.parse(toolArgs(cs, 0))).toEqual({ location: 'Paris' });
    expect(cs.at(-2)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(comparable(usageOf(openAiChatCompletions, out, true, SSE))).toEqual(comparable(usageOf(bedrockConverse, provider, true, AWS)));
    expect(usageOf(openAiChatCompletions, out, true, SSE)).toMatchObject({ input: 1242, cachedInput: 1200, output: 37 });
  });

  it('maps max_tokens to length, keeps the total and names the cache writes', () => {
    const provider = converseStream(providerJson<RecordedAwsEvent[]>('bedrock-converse-stream.events.json'));
    const out = runTranslator(responseFor({ kind: 'bedrock-converse' }, true, 200, AWS), [provider]);
    const cs = chunks(out.toString('utf8'));
    expect(contentOf(cs)).toBe('Hello, world');
    expect(cs.at(-2)!.choices[0]!.finish_reason).toBe('length');
    expect(cs.at(-1)!.usage).toEqual({ prompt_tokens: 218, completion_tokens: 64, total_tokens: 282, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 200 } });
  });

  it('rewrites a whole Converse response', () => {
    const body = providerFixture('bedrock-converse.json');
    const json = JSON.parse(runTranslator(responseFor({ kind: 'bedrock-converse' }, false, 200, JSON_CT), [body]).toString('utf8'));
    expect(json.choices[0]).toMatchObject({ message: { content: 'Paris is the capital of France.' }, finish_reason: 'stop' });
    expect(comparable(usageOf(openAiChatCompletions, Buffer.from(JSON.stringify(json)), false, JSON_CT))).toEqual(comparable(usageOf(bedrockConverse, body, false, JSON_CT)));
  });
});

describe('Gemini stream → OpenAI chunks', () => {
  it('streams text and a whole function call; usage (with cached and thinking tokens) equals the Gemini reader’s', () => {
    const provider = translationFixture('gemini-stream-tools.sse.txt');
    const out = runTranslator(responseFor({ kind: 'gemini' }, true, 200, SSE), [provider]);
    const cs = chunks(out.toString('utf8'));
    expect(cs[0]!.model).toBe('gemini-2.5-flash');
    expect(contentOf(cs)).toBe("I'll look that up.");
    expect(JSON.parse(toolArgs(cs, 0))).toEqual({ location: 'Paris', unit: 'celsius' });
    expect(cs.at(-2)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(comparable(usageOf(openAiChatCompletions, out, true, SSE))).toEqual(comparable(usageOf(geminiGenerateContent, provider, true, SSE)));
  });

  it('rewrites the plain-text stream and a whole response', () => {
    const provider = providerFixture('gemini-stream.sse.txt');
    const cs = chunks(runTranslator(responseFor({ kind: 'vertex-gemini', vertex: { project: 'p', region: 'r' } }, true, 200, SSE), [provider]).toString('utf8'));
    expect(contentOf(cs)).toBe('The sky appears blue because of Rayleigh scattering.');
    expect(cs.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    const body = providerFixture('gemini-generate-content.json');
    const json = JSON.parse(runTranslator(responseFor({ kind: 'gemini' }, false, 200, JSON_CT), [body]).toString('utf8'));
    expect(json.choices[0].message.content).toBe('A haiku about the sea.');
    expect(comparable(usageOf(openAiChatCompletions, Buffer.from(JSON.stringify(json)), false, JSON_CT))).toEqual(comparable(usageOf(geminiGenerateContent, body, false, JSON_CT)));
  });
});

describe('provider errors → OpenAI error shape', () => {
  it.each([
    [{ kind: 'anthropic' } as TranslationTarget, 404, providerFixture('anthropic-error.json'), {}, 'model: claude-nonexistent'],
    [{ kind: 'gemini' } as TranslationTarget, 429, providerFixture('gemini-error.json'), {}, 'Resource has been exhausted (e.g. check quota).'],
    [{ kind: 'bedrock-converse' } as TranslationTarget, 400, Buffer.from('{"message":"The provided model identifier is invalid."}'), { 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' }, 'The provided model identifier is invalid.'],
  ])('%j %i', (target, status, body, headers, message) => {
    const rt = responseFor(target, true, status, JSON_CT, headers);
    expect(rt.headers.remove).toContain('x-amzn-errortype');
    const err = JSON.parse(runTranslator(rt, [body]).toString('utf8')) as { error: Record<string, unknown> };
    expect(err.error['message']).toBe(message);
    expect(err.error['type']).toBe(status === 429 ? 'rate_limit_error' : 'invalid_request_error');
  });
});
