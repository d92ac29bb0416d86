import { describe, expect, it } from 'vitest';
import type { RequestOutcome } from '../hooks/outcome.js';
import { formatRequestLog, MAX_LOGGED_PROMPT_CHARS, pathWithoutQuery } from './request-log.js';

const BASE: RequestOutcome = {
  api: 'openai.chat_completions',
  method: 'POST',
  path: '/v1/chat/completions',
  model: 'gpt-4o-mini',
  rule: 'openai',
  stream: true,
  status: 200,
  errorType: undefined,
  durationMs: 1234.5678,
  ttftMs: 210.123,
  info: {
    usage: { input: 12, cachedInput: 0, output: 100, reasoning: 100, total: 112 },
    model: 'gpt-4o-mini-2024-07-18',
    responseId: 'chatcmpl-1',
    finishReason: 'length',
  },
};

describe('formatRequestLog', () => {
  it('reports model, api, path, rule, status, stream, timings and token counts', () => {
    expect(formatRequestLog(BASE)).toEqual({
      api: 'openai.chat_completions',
      method: 'POST',
      path: '/v1/chat/completions',
      model: 'gpt-4o-mini',
      response_model: 'gpt-4o-mini-2024-07-18',
      rule: 'openai',
      status: 200,
      stream: true,
      duration_ms: 1234.57,
      ttft_ms: 210.12,
      input_tokens: 12,
      cached_input_tokens: 0,
      output_tokens: 100,
      reasoning_tokens: 100,
      total_tokens: 112,
      finish_reason: 'length',
      response_id: 'chatcmpl-1',
    });
  });

  it('leaves out what is unknown and reports the error type', () => {
    const line = formatRequestLog({
      api: undefined,
      method: 'GET',
      path: '/healthz',
      model: undefined,
      rule: undefined,
      stream: false,
      status: 404,
      errorType: 'no_matching_rule',
      durationMs: 1,
    });
    expect(line).toEqual({ method: 'GET', path: '/healthz', stream: false, status: 404, error_type: 'no_matching_rule', duration_ms: 1 });
  });

  it('never logs query strings, fragments, headers or credentials', () => {
    const outcome = {
      ...BASE,
      path: '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse&key=AIzaSECRET#frag-SECRET',
      // Fields a caller might carry by mistake: none is copied.
      headers: { authorization: 'Bearer sk-SECRET', 'x-api-key': 'SECRET', 'api-key': 'SECRET' },
      body: '{"messages":[{"content":"SECRET prompt"}]}',
    } as RequestOutcome;
    const text = JSON.stringify(formatRequestLog(outcome));
    expect(text).not.toMatch(/SECRET|key=|\?|#/);
    expect(formatRequestLog(outcome).path).toBe('/v1beta/models/gemini-2.0-flash:streamGenerateContent');
  });

  it('logs no prompt unless log.prompts is on, and then a bounded excerpt', () => {
    expect(formatRequestLog(BASE, { prompt: 'hello there' })).not.toHaveProperty('prompt');
    expect(formatRequestLog(BASE, { prompts: false, prompt: 'hello there' })).not.toHaveProperty('prompt');
    expect(formatRequestLog(BASE, { prompts: true, prompt: 'hello there' })).toMatchObject({ prompt: 'hello there' });
    const long = 'x'.repeat(MAX_LOGGED_PROMPT_CHARS + 10);
    const line = formatRequestLog(BASE, { prompts: true, prompt: long });
    expect(line.prompt).toHaveLength(MAX_LOGGED_PROMPT_CHARS);
    expect(line.prompt_truncated).toBe(true);
  });
});

describe('pathWithoutQuery', () => {
  it.each([
    ['/v1/chat/completions', '/v1/chat/completions'],
    ['/v1/models?key=abc', '/v1/models'],
    ['/a#b?c', '/a'],
    ['/openai/deployments/gpt/chat/completions?api-version=2024-02-01', '/openai/deployments/gpt/chat/completions'],
  ])('%s → %s', (path, expected) => {
    expect(pathWithoutQuery(path)).toBe(expected);
  });

  it('bounds very long paths', () => {
    expect(pathWithoutQuery('/' + 'a'.repeat(10_000)).length).toBe(512);
  });
});
