import { describe, expect, it } from 'vitest';
import { feedChunked } from '../../test/support/chunking.js';
import { providerFixture } from '../../test/support/provider-fixtures.js';
import { anthropicCountTokens, anthropicMessages } from './anthropic-messages.js';

const SSE = 'text/event-stream; charset=utf-8';
const JSON_CT = 'application/json';

describe('anthropic.messages', () => {
  it('reads model and stream from the body', () => {
    const body = Buffer.from('{"model":"claude-sonnet-4-20250514","max_tokens":1024,"stream":true,"messages":[]}');
    expect(anthropicMessages.parseRequestBody(body, JSON_CT)).toMatchObject({ model: 'claude-sonnet-4-20250514', stream: true });
    expect(anthropicCountTokens.parseRequestBody(Buffer.from('{"model":"claude-3-haiku","messages":[]}'), JSON_CT)).toMatchObject({
      model: 'claude-3-haiku',
      stream: false,
    });
    expect(anthropicMessages.errorShape).toBe('anthropic');
  });

  it.each([1, 7, 64])('maps JSON usage with cache reads and writes (seed %i)', (seed) => {
    const info = feedChunked(anthropicMessages.newResponseParser({ stream: false, contentType: JSON_CT }), providerFixture('anthropic-message.json'), seed);
    expect(info).toEqual({
      usage: { input: 3084, cachedInput: 2048, cacheCreationInput: 1024, output: 256, total: 3340 },
      model: 'claude-sonnet-4-20250514',
      responseId: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      finishReason: 'end_turn',
    });
  });

  it.each([1, 3, 40])('combines message_start and message_delta usage from a stream (seed %i)', (seed) => {
    const info = feedChunked(anthropicMessages.newResponseParser({ stream: true, contentType: SSE }), providerFixture('anthropic-message-stream.txt'), seed);
    expect(info).toEqual({
      usage: { input: 1825, cachedInput: 1800, cacheCreationInput: 0, output: 42, total: 1867 },
      model: 'claude-sonnet-4-20250514',
      responseId: 'msg_01Stream7fQ1',
      finishReason: 'end_turn',
    });
  });

  it('lets message_delta usage overlay every field, with CRLF and data: without a space', () => {
    const info = feedChunked(anthropicMessages.newResponseParser({ stream: true, contentType: SSE }), providerFixture('anthropic-message-stream-tools.txt'), 13);
    expect(info).toEqual({
      usage: { input: 340, cachedInput: 0, cacheCreationInput: 300, output: 90, total: 430 },
      model: 'claude-opus-4-1-20250805',
      responseId: 'msg_01Tools9kP',
      finishReason: 'tool_use',
    });
  });

  it('reports output tokens as they are counted', () => {
    const p = anthropicMessages.newResponseParser({ stream: true, contentType: SSE });
    const text = providerFixture('anthropic-message-stream.txt').toString('utf8');
    const cut = text.indexOf('event: message_delta');
    p.push(Buffer.from(text.slice(0, cut)));
    expect(p.outputTokensSoFar).toBe(1);
    p.push(Buffer.from(text.slice(cut)));
    expect(p.outputTokensSoFar).toBe(42);
  });

  it('reports stream error events and error bodies', () => {
    const streamed = feedChunked(anthropicMessages.newResponseParser({ stream: true, contentType: SSE }), providerFixture('anthropic-stream-error.txt'), 4);
    expect(streamed.errorType).toBe('overloaded_error');
    expect(streamed.usage).toEqual({ input: 10, output: 1, total: 11 });
    const body = feedChunked(anthropicMessages.newResponseParser({ stream: false, contentType: JSON_CT }), providerFixture('anthropic-error.json'), 4);
    expect(body).toEqual({ usage: {}, errorType: 'not_found_error' });
  });

  it('does not record a token count as usage', () => {
    const info = feedChunked(anthropicCountTokens.newResponseParser({ stream: false, contentType: JSON_CT }), '{"input_tokens":2095}', 2);
    expect(info).toEqual({ usage: {} });
  });

  it('finds event types in the data when the event field is missing', () => {
    const text = providerFixture('anthropic-message-stream.txt').toString('utf8').replace(/^event: .*\n/gm, '');
    const info = feedChunked(anthropicMessages.newResponseParser({ stream: true, contentType: SSE }), text, 21);
    expect(info.usage.output).toBe(42);
    expect(info.finishReason).toBe('end_turn');
  });

});
