import { afterEach, describe, expect, it, vi } from 'vitest';
import { feedChunked } from '../../test/support/chunking.js';
import { newCompletionResponseParser } from './openai-completion-readers.js';

const SSE = 'text/event-stream; charset=utf-8';
const sse = (...events: unknown[]): string => events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`).join('');
const chunk = (extra: Record<string, unknown>) => ({ id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'gpt-4o-2024-08-06', ...extra });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('completion stream reader', () => {
  it('takes id and model past an empty first chunk (Azure content-filter results)', () => {
    const body = sse(
      { choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }] },
      chunk({ choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] }),
      chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
      chunk({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11, prompt_tokens_details: { cached_tokens: 4 } } }),
      '[DONE]',
    );
    const info = feedChunked(newCompletionResponseParser({ stream: true, contentType: SSE }), body, 5);
    expect(info).toEqual({
      usage: { input: 9, cachedInput: 4, output: 2, total: 11 },
      model: 'gpt-4o-2024-08-06',
      responseId: 'chatcmpl-1',
      finishReason: 'stop',
    });
  });

  it('reports the finish reason of choice 0 when several choices stream', () => {
    const body = sse(
      chunk({ choices: [{ index: 1, delta: {}, finish_reason: 'length' }] }),
      chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }),
    );
    expect(feedChunked(newCompletionResponseParser({ stream: true, contentType: SSE }), body, 9).finishReason).toBe('tool_calls');
  });

  it('reports an error object sent mid-stream', () => {
    const body = sse(chunk({ choices: [{ index: 0, delta: { content: 'a' } }] }), { error: { message: 'boom', type: 'server_error', code: null } });
    expect(feedChunked(newCompletionResponseParser({ stream: true, contentType: SSE }), body, 2).errorType).toBe('server_error');
  });

  it('parses only the chunks that can carry what it needs', () => {
    const deltas = Array.from({ length: 1000 }, (_, i) => chunk({ choices: [{ index: 0, delta: { content: `t${i} "usage" ` }, finish_reason: null }], usage: null }));
    const body = sse(...deltas, chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: null }), chunk({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 1000, total_tokens: 1003 } }), '[DONE]');
    const parse = vi.spyOn(JSON, 'parse');
    const info = feedChunked(newCompletionResponseParser({ stream: true, contentType: SSE }), body, 11, 4096);
    expect(info.usage).toEqual({ input: 3, output: 1000, total: 1003 });
    expect(parse.mock.calls.length).toBeLessThanOrEqual(4);
  });

  it('reads a JSON error body of a stream request', () => {
    const body = JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
    expect(feedChunked(newCompletionResponseParser({ stream: true, contentType: 'application/json' }), body, 1)).toEqual({ usage: {}, errorType: 'requests' });
  });
});

describe('completion JSON reader', () => {
  it('explains a truncated body instead of failing', () => {
    const info = feedChunked(newCompletionResponseParser({ stream: false, contentType: 'application/json' }), '{"id":"x","usage":{"prompt_tokens":1', 3);
    expect(info).toEqual({ usage: {}, parseError: 'invalid_json' });
  });

  it('reads nothing from an HTML error page', () => {
    const info = feedChunked(newCompletionResponseParser({ stream: false, contentType: 'text/html' }), '<html><body>502 Bad Gateway</body></html>', 3);
    expect(info).toEqual({ usage: {}, parseError: 'invalid_json' });
  });

  it('ignores usage members of the wrong type', () => {
    const body = JSON.stringify({ id: 'c', model: 'm', choices: 'nope', usage: { prompt_tokens: '5', completion_tokens: -1, total_tokens: 7 } });
    expect(feedChunked(newCompletionResponseParser({ stream: false, contentType: 'application/json' }), body, 3)).toEqual({
      usage: { total: 7 },
      model: 'm',
      responseId: 'c',
    });
  });

  it('returns an empty result for an empty body', () => {
    const p = newCompletionResponseParser({ stream: false, contentType: 'application/json' });
    expect(p.end()).toEqual({ usage: {} });
    expect(p.end()).toEqual({ usage: {} });
  });
});
