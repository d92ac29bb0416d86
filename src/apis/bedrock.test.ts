import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { describe, expect, it } from 'vitest';
import { feedChunked } from '../../test/support/chunking.js';
import { providerFixture, providerJson } from '../../test/support/provider-fixtures.js';
import { bedrockConverse, bedrockInvoke, matchBedrock } from './bedrock.js';

const EVENT_STREAM = 'application/vnd.amazon.eventstream';
const JSON_CT = 'application/json';
const codec = new EventStreamCodec(toUtf8, fromUtf8);
const q = new URLSearchParams();

/** One AWS event-stream frame, as Bedrock writes it. */
function frame(headers: Record<string, string>, payload: unknown): Uint8Array {
  const h: Record<string, { type: 'string'; value: string }> = {};
  for (const [k, v] of Object.entries(headers)) h[k] = { type: 'string', value: v };
  return codec.encode({ headers: h, body: Buffer.from(JSON.stringify(payload)) });
}

function event(eventType: string, payload: unknown): Uint8Array {
  return frame({ ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' }, payload);
}

const concat = (frames: Uint8Array[]): Buffer => Buffer.concat(frames);

describe('Bedrock matching', () => {
  it('decodes model ids and ARNs from the URL', () => {
    const arn = 'arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0';
    expect(matchBedrock('POST', `/model/${encodeURIComponent(arn)}/converse-stream`, q)).toMatchObject({ api: bedrockConverse, urlModel: arn, urlStream: true });
    expect(matchBedrock('POST', '/model/amazon.nova-pro-v1%3A0/invoke', q)).toMatchObject({ api: bedrockInvoke, urlModel: 'amazon.nova-pro-v1:0', urlStream: false });
    expect(matchBedrock('POST', '/model/bad%ZZid/converse', q)?.urlModel).toBe('bad%ZZid');
    expect(bedrockConverse.parseRequestBody(Buffer.from('{"messages":[]}'), JSON_CT)).toEqual({});
    expect(bedrockConverse.provider).toBe('aws.bedrock');
    expect(bedrockInvoke.errorShape).toBe('bedrock');
  });
});

describe('Converse', () => {
  it.each([1, 4, 31])('maps JSON usage with cache reads (seed %i)', (seed) => {
    const info = feedChunked(bedrockConverse.newResponseParser({ stream: false, contentType: JSON_CT }), providerFixture('bedrock-converse.json'), seed);
    expect(info).toEqual({ usage: { input: 1530, cachedInput: 1500, cacheCreationInput: 0, output: 12, total: 1542 }, finishReason: 'end_turn' });
  });

  it.each([1, 2, 9, 200])('reads the metadata event of a ConverseStream (seed %i)', (seed) => {
    const events = providerJson<Array<{ eventType: string; payload: unknown }>>('bedrock-converse-stream.events.json');
    const body = concat(events.map((e) => event(e.eventType, e.payload)));
    const info = feedChunked(bedrockConverse.newResponseParser({ stream: true, contentType: EVENT_STREAM }), body, seed);
    expect(info).toEqual({ usage: { input: 218, cacheCreationInput: 200, output: 64, total: 282 }, finishReason: 'max_tokens' });
  });

  it('reports exceptions in the stream', () => {
    const body = concat([
      event('messageStart', { role: 'assistant' }),
      frame({ ':exception-type': 'throttlingException', ':content-type': 'application/json', ':message-type': 'exception' }, { message: 'Too many tokens' }),
    ]);
    expect(feedChunked(bedrockConverse.newResponseParser({ stream: true, contentType: EVENT_STREAM }), body, 3).errorType).toBe('throttlingException');
  });

  it('names errors by the x-amzn-errortype header', () => {
    const parser = bedrockConverse.newResponseParser({
      stream: false,
      contentType: JSON_CT,
      headers: { 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' },
    });
    expect(feedChunked(parser, '{"message":"The provided model identifier is invalid."}', 2)).toEqual({ usage: {}, errorType: 'ValidationException' });
  });
});

describe('InvokeModel', () => {
  it('reads Anthropic usage from a Claude body', () => {
    const info = feedChunked(bedrockInvoke.newResponseParser({ stream: false, contentType: JSON_CT }), providerFixture('bedrock-invoke-anthropic.json'), 5);
    expect(info).toEqual({
      usage: { input: 14, output: 9, total: 23 },
      model: 'claude-3-5-sonnet-20240620',
      responseId: 'msg_bdrk_01RxD8mUwdH5vmZRe5Hn2Y9E',
      finishReason: 'end_turn',
    });
  });

  it('reads Nova usage, and header counts for bodies without usage', () => {
    const nova = '{"output":{"message":{"role":"assistant","content":[{"text":"hi"}]}},"stopReason":"end_turn","usage":{"inputTokens":11,"outputTokens":3,"totalTokens":14,"cacheReadInputTokenCount":0}}';
    expect(feedChunked(bedrockInvoke.newResponseParser({ stream: false, contentType: JSON_CT }), nova, 2)).toEqual({
      usage: { input: 11, cachedInput: 0, output: 3, total: 14 },
      finishReason: 'end_turn',
    });
    const llama = '{"generation":"hi","prompt_token_count":10,"generation_token_count":2,"stop_reason":"stop"}';
    const headers = { 'x-amzn-bedrock-input-token-count': '10', 'x-amzn-bedrock-output-token-count': '2' };
    expect(feedChunked(bedrockInvoke.newResponseParser({ stream: false, contentType: JSON_CT, headers }), llama, 2)).toEqual({
      usage: { input: 10, output: 2, total: 12 },
      finishReason: 'stop',
    });
  });

  it.each([1, 3, 17])('reads Claude events wrapped in chunk events (seed %i)', (seed) => {
    const inner = providerJson<unknown[]>('bedrock-invoke-anthropic-stream.events.json');
    const body = concat(inner.map((e) => event('chunk', { bytes: Buffer.from(JSON.stringify(e)).toString('base64'), p: 'abcdef' })));
    const info = feedChunked(bedrockInvoke.newResponseParser({ stream: true, contentType: EVENT_STREAM }), body, seed);
    expect(info).toEqual({
      usage: { input: 14, output: 9, total: 23 },
      model: 'claude-3-5-sonnet-20240620',
      responseId: 'msg_bdrk_01StreamX',
      finishReason: 'end_turn',
    });
  });

  it('falls back to the invocation metrics of other models', () => {
    const chunks = [
      { contentBlockDelta: { delta: { text: 'Hi' }, contentBlockIndex: 0 } },
      { messageStop: { stopReason: 'end_turn' }, 'amazon-bedrock-invocationMetrics': { inputTokenCount: 7, outputTokenCount: 5, invocationLatency: 100, firstByteLatency: 50 } },
    ];
    const body = concat(chunks.map((e) => event('chunk', { bytes: Buffer.from(JSON.stringify(e)).toString('base64') })));
    const info = feedChunked(bedrockInvoke.newResponseParser({ stream: true, contentType: EVENT_STREAM }), body, 8);
    expect(info).toEqual({ usage: { input: 7, output: 5, total: 12 } });
  });

  it('survives a corrupt frame', () => {
    const good = event('chunk', { bytes: Buffer.from('{"type":"message_start","message":{"usage":{"input_tokens":2}}}').toString('base64') });
    const bad = Buffer.from(event('chunk', { bytes: 'AAAA' }));
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff; // break the message CRC
    const info = feedChunked(bedrockInvoke.newResponseParser({ stream: true, contentType: EVENT_STREAM }), concat([good, bad]), 2);
    expect(info.usage).toEqual({ input: 2 });
    expect(info.parseError).toBe('corrupt_stream');
  });
});
