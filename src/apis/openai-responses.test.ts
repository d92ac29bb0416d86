import { describe, expect, it } from 'vitest';
import { feedChunked } from '../../test/support/chunking.js';
import { providerFixture } from '../../test/support/provider-fixtures.js';
import { openAiResponses } from './openai-responses.js';

const SSE = 'text/event-stream; charset=utf-8';
const JSON_CT = 'application/json';

describe('openai.responses', () => {
  it('reads model and stream from the body', () => {
    expect(openAiResponses.parseRequestBody(Buffer.from('{"model":"o4-mini","input":"hi","stream":true}'), JSON_CT)).toMatchObject({
      model: 'o4-mini',
      stream: true,
    });
  });

  it.each([1, 8, 99])('maps JSON usage (seed %i)', (seed) => {
    const info = feedChunked(openAiResponses.newResponseParser({ stream: false, contentType: JSON_CT }), providerFixture('openai-responses.json'), seed);
    expect(info).toEqual({
      usage: { input: 1200, cachedInput: 1024, output: 300, reasoning: 256, total: 1500 },
      model: 'o4-mini-2025-04-16',
      responseId: 'resp_67ccd3a9da748190baa7f1570fe91ac604becb25c45c1d41',
      finishReason: 'completed',
    });
  });

  it.each([1, 5, 33])('reads usage from response.completed (seed %i)', (seed) => {
    const info = feedChunked(openAiResponses.newResponseParser({ stream: true, contentType: SSE }), providerFixture('openai-responses-stream.txt'), seed);
    expect(info).toEqual({
      usage: { input: 36, cachedInput: 0, output: 87, reasoning: 64, total: 123 },
      model: 'gpt-4.1-2025-04-14',
      responseId: 'resp_68af1b2c3d4e',
      finishReason: 'completed',
    });
  });

  it('reads incomplete and failed terminal events', () => {
    const incomplete = `event: response.incomplete\ndata: ${JSON.stringify({
      type: 'response.incomplete',
      response: { id: 'resp_1', model: 'gpt-4.1', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage: { input_tokens: 5, output_tokens: 16, total_tokens: 21 } },
    })}\n\n`;
    expect(feedChunked(openAiResponses.newResponseParser({ stream: true, contentType: SSE }), incomplete, 3)).toEqual({
      usage: { input: 5, output: 16, total: 21 },
      model: 'gpt-4.1',
      responseId: 'resp_1',
      finishReason: 'max_output_tokens',
    });
    const failed = `event: response.failed\ndata: ${JSON.stringify({
      type: 'response.failed',
      response: { id: 'resp_2', model: 'gpt-4.1', status: 'failed', error: { code: 'server_error', message: 'x' }, usage: null },
    })}\n\n`;
    expect(feedChunked(openAiResponses.newResponseParser({ stream: true, contentType: SSE }), failed, 3).errorType).toBe('server_error');
  });

  it('reports error events, keeping the model from response.created', () => {
    const body =
      `event: response.created\ndata: {"type":"response.created","response":{"id":"resp_3","model":"gpt-4o","status":"in_progress"}}\n\n` +
      `event: error\ndata: {"type":"error","code":"rate_limit_exceeded","message":"slow down","param":null}\n\n`;
    expect(feedChunked(openAiResponses.newResponseParser({ stream: true, contentType: SSE }), body, 6)).toEqual({
      usage: {},
      model: 'gpt-4o',
      responseId: 'resp_3',
      errorType: 'rate_limit_exceeded',
    });
  });
});
