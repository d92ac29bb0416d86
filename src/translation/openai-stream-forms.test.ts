import { describe, expect, it } from 'vitest';
import { loadCassette } from '../../test/support/cassettes.js';
import { translationFixture } from '../../test/support/translation-fixtures.js';
import { sseEvents } from './form-conversion.js';
import { chatCompletionToStream, streamToChatCompletion } from './openai-stream-forms.js';

const USAGE = { prompt: 8, completion: 377, reasoning: 320, cached: 0, total: 385 };

function completion(message: Record<string, unknown>, over: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1755133833,
      model: 'gpt-4o-2024-08-06',
      service_tier: 'default',
      system_fingerprint: 'fp_1',
      choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null, ...message }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 8, completion_tokens: 377, total_tokens: 385, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 320 } },
      ...over,
    }),
  );
}

const body = (c: { body?: Buffer; refused?: string }) => {
  expect(c.refused).toBeUndefined();
  return c.body!;
};
const chunksOf = (sse: Buffer) => sseEvents(sse).map((e) => (e.data === '[DONE]' ? e.data : (JSON.parse(e.data) as Record<string, unknown>)));

describe('chatCompletionToStream', () => {
  it('writes the role, the text, the finish reason and [DONE], every chunk under the response envelope', () => {
    const chunks = chunksOf(body(chatCompletionToStream(completion({ content: 'Hi there' }), { includeUsage: false, usage: USAGE })));
    expect(chunks.at(-1)).toBe('[DONE]');
    const objects = chunks.slice(0, -1) as Array<Record<string, unknown>>;
    expect(objects.map((c) => (c['choices'] as Array<{ delta: unknown; finish_reason: unknown }>)[0])).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: 'Hi there' }, logprobs: null, finish_reason: null },
      { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' },
    ]);
    for (const c of objects) {
      expect(c).toMatchObject({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1755133833, model: 'gpt-4o-2024-08-06', service_tier: 'default', system_fingerprint: 'fp_1' });
    }
  });

  it('adds the usage chunk only when the request asked for it', () => {
    const withUsage = chunksOf(body(chatCompletionToStream(completion({ content: 'x' }), { includeUsage: true, usage: USAGE })));
    expect(withUsage.at(-2)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 8, completion_tokens: 377, total_tokens: 385, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 320 } },
    });
    const without = chunksOf(body(chatCompletionToStream(completion({ content: 'x' }), { includeUsage: false, usage: USAGE })));
    expect(without.some((c) => c !== '[DONE]' && 'usage' in c)).toBe(false);
  });

  it('streams tool calls, and assembles back into the same completion', () => {
    const calls = [
      { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
    ];
    const original = completion({}, { choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null, tool_calls: calls }, logprobs: null, finish_reason: 'tool_calls' }] });
    const stream = body(chatCompletionToStream(original, { includeUsage: false, usage: USAGE }));
    expect(JSON.parse(body(streamToChatCompletion(stream, USAGE)).toString())).toEqual(JSON.parse(original.toString()));
  });

  it('round-trips a text completion exactly', () => {
    const original = completion({ content: 'Bonjour — "quoted" ☀\nnext line' });
    const stream = body(chatCompletionToStream(original, { includeUsage: true, usage: USAGE }));
    expect(JSON.parse(body(streamToChatCompletion(stream, USAGE)).toString())).toEqual(JSON.parse(original.toString()));
  });

  it('refuses what a chunk stream here does not carry', () => {
    const cases: Array<[string, Buffer]> = [
      ['two choices', completion({ content: 'a' }, { choices: [{ index: 0, message: { role: 'assistant', content: 'a' }, finish_reason: 'stop' }, { index: 1, message: { role: 'assistant', content: 'b' }, finish_reason: 'stop' }] })],
      ['logprobs', completion({ content: 'a' }, { choices: [{ index: 0, message: { role: 'assistant', content: 'a' }, logprobs: { content: [] }, finish_reason: 'stop' }] })],
      ['a refusal', completion({ refusal: 'I cannot help with that' })],
      ['annotations', completion({ content: 'a', annotations: [{ type: 'url_citation' }] })],
      ['audio', completion({ audio: { id: 'a' } })],
      ['a legacy function call', completion({ function_call: { name: 'f', arguments: '{}' } }, { choices: [{ index: 0, message: { role: 'assistant', function_call: { name: 'f', arguments: '{}' } }, finish_reason: 'function_call' }] })],
      ['not a completion', Buffer.from('{"object":"list","data":[]}')],
      ['not JSON', Buffer.from('data: {}\n\n')],
    ];
    for (const [name, b] of cases) expect(chatCompletionToStream(b, { includeUsage: false, usage: USAGE }).refused, name).toBeDefined();
  });
});

describe('streamToChatCompletion', () => {
  it('assembles a recorded stream with a tool call; usage from the stream when none is given', () => {
    const whole = JSON.parse(body(streamToChatCompletion(translationFixture('openai-chat-stream-tools.txt'), undefined)).toString()) as Record<string, unknown>;
    expect(whole).toMatchObject({ id: 'chatcmpl-tools01', object: 'chat.completion', created: 1755137921, model: 'Qwen/Qwen2.5-7B-Instruct' });
    expect(whole['choices']).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: 'Checking.', refusal: null, tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'get_weather', arguments: '{"location": "Paris"}' } }] },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ]);
    expect(whole['usage']).toBeDefined();
  });

  it('assembles a recorded OpenAI stream with its envelope, and takes the usage it is given', () => {
    const stream = Buffer.from(loadCassette('chat-streaming-detailed-usage').interactions[0]!.response.body);
    const whole = JSON.parse(body(streamToChatCompletion(stream, { prompt: 1, completion: 2 })).toString()) as Record<string, unknown>;
    expect(whole).toMatchObject({ service_tier: 'default', system_fingerprint: null, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
    const text = sseEvents(stream)
      .filter((e) => e.data !== '[DONE]')
      .map((e) => (JSON.parse(e.data) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ?? '')
      .join('');
    expect((whole['choices'] as Array<{ message: { content: string } }>)[0]!.message.content).toBe(text);
  });

  it('refuses a stream that did not finish, carried an error, several choices or unreadable chunks', () => {
    const chunk = (choice: Record<string, unknown>) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [choice] })}\n\n`;
    const cases: Array<[string, string]> = [
      ['unfinished', chunk({ index: 0, delta: { content: 'a' }, finish_reason: null })],
      ['error', `${chunk({ index: 0, delta: { content: 'a' }, finish_reason: null })}data: {"error":{"message":"boom"}}\n\n`],
      ['second choice', `${chunk({ index: 1, delta: { content: 'b' }, finish_reason: 'stop' })}${chunk({ index: 0, delta: {}, finish_reason: 'stop' })}`],
      ['not JSON', 'data: {nope\n\n'],
      ['refusal', chunk({ index: 0, delta: { refusal: 'no' }, finish_reason: 'stop' })],
    ];
    for (const [name, text] of cases) expect(streamToChatCompletion(Buffer.from(text), undefined).refused, name).toBeDefined();
  });
});
