import { describe, expect, it } from 'vitest';
import { feedChunked } from '../../test/support/chunking.js';
import { providerFixture } from '../../test/support/provider-fixtures.js';
import { geminiCountTokens, geminiEmbedContent, geminiGenerateContent, matchGemini } from './gemini.js';
import { geminiUsage } from './gemini-response.js';

const JSON_CT = 'application/json; charset=UTF-8';
const SSE = 'text/event-stream';
const q = new URLSearchParams();

describe('Gemini API matching', () => {
  it('reads model and method from the URL', () => {
    expect(matchGemini('POST', '/v1beta/models/gemini-2.5-flash:streamGenerateContent', q)).toMatchObject({
      api: geminiGenerateContent,
      urlModel: 'gemini-2.5-flash',
      urlStream: true,
    });
    expect(matchGemini('POST', '/v1beta/models/gemini%2D2.5-pro:generateContent', q)?.urlModel).toBe('gemini-2.5-pro');
    expect(geminiGenerateContent.match('POST', '/v1beta/models/m:countTokens', q)).toBeUndefined();
    expect(geminiCountTokens.match('POST', '/v1beta/models/m:countTokens', q)?.api).toBe(geminiCountTokens);
    expect(geminiGenerateContent.modelSource).toBe('url');
    expect(geminiGenerateContent.errorShape).toBe('gemini');
    expect(geminiGenerateContent.parseRequestBody(Buffer.from('{"contents":[]}'), 'application/json')).toEqual({});
  });
});

describe('Gemini stream flag from the URL', () => {
  const query = (s: string) => new URLSearchParams(s);
  it('streams generateContent when the query asks for SSE, and only the generate methods', () => {
    expect(matchGemini('POST', '/v1beta/models/m:generateContent', query('alt=sse'))?.urlStream).toBe(true);
    expect(matchGemini('POST', '/v1beta/models/m:generateContent', query('alt=json&alt=sse'))?.urlStream).toBe(true);
    expect(matchGemini('POST', '/v1beta/models/m:generateContent', query('alt=json'))?.urlStream).toBe(false);
    expect(matchGemini('POST', '/v1beta/models/m:generateContent', query('salt=sse'))?.urlStream).toBe(false);
    expect(matchGemini('POST', '/v1beta/models/m:streamGenerateContent', query(''))?.urlStream).toBe(true);
    expect(matchGemini('POST', '/v1beta/models/m:countTokens', query('alt=sse'))?.urlStream).toBe(false);
    expect(matchGemini('POST', '/v1beta/models/m:batchEmbedContents', query('alt=sse'))?.urlStream).toBe(false);
  });
});

describe('Gemini usage', () => {
  it('maps every usageMetadata field', () => {
    expect(
      geminiUsage({ promptTokenCount: 100, cachedContentTokenCount: 60, toolUsePromptTokenCount: 5, candidatesTokenCount: 20, thoughtsTokenCount: 7, totalTokenCount: 132 }),
    ).toEqual({ input: 105, cachedInput: 60, output: 27, reasoning: 7, total: 132 });
    expect(geminiUsage({ promptTokenCount: 3, candidatesTokenCount: 4 })).toEqual({ input: 3, output: 4, total: 7 });
    expect(geminiUsage(undefined)).toEqual({});
  });

  it.each([1, 6, 50])('reads a generateContent JSON body (seed %i)', (seed) => {
    const info = feedChunked(geminiGenerateContent.newResponseParser({ stream: false, contentType: JSON_CT }), providerFixture('gemini-generate-content.json'), seed);
    expect(info).toEqual({
      usage: { input: 120, cachedInput: 100, output: 240, reasoning: 210, total: 360 },
      model: 'gemini-2.5-flash',
      responseId: 'mKdRaKWvLpCJ1MkP8YfJsAQ',
      finishReason: 'STOP',
    });
  });

  it.each([1, 2, 77])('reads an alt=sse stream with CRLF lines (seed %i)', (seed) => {
    const info = feedChunked(geminiGenerateContent.newResponseParser({ stream: true, contentType: SSE }), providerFixture('gemini-stream.sse.txt'), seed);
    expect(info).toEqual({
      usage: { input: 8, output: 51, reasoning: 40, total: 59 },
      model: 'gemini-2.5-pro',
      responseId: 'x3RRaMyNB5ab1MkPq5C8yQw',
      finishReason: 'STOP',
    });
  });

  it.each([
    [true, 1],
    [false, 4],
    [true, 123],
  ])('reads a streamed JSON array (stream flag %s, seed %i)', (stream, seed) => {
    const info = feedChunked(geminiGenerateContent.newResponseParser({ stream, contentType: JSON_CT }), providerFixture('gemini-stream-array.json'), seed);
    expect(info).toEqual({
      usage: { input: 35, output: 7, total: 42 },
      model: 'gemini-2.0-flash',
      responseId: 'Ab3RaOqnJ5SQ1MkP9q2ZkQc',
      finishReason: 'MAX_TOKENS',
    });
  });

  it('reports output tokens as chunks arrive', () => {
    const p = geminiGenerateContent.newResponseParser({ stream: true, contentType: SSE });
    const events = providerFixture('gemini-stream.sse.txt').toString('utf8').split('\r\n\r\n');
    p.push(Buffer.from(`${events[0]}\r\n\r\n`));
    expect(p.outputTokensSoFar).toBe(41);
    p.push(Buffer.from(`${events[1]}\r\n\r\n`));
    expect(p.outputTokensSoFar).toBe(45);
  });

  it('reports Google error bodies, plain or inside a streamed array', () => {
    const err = providerFixture('gemini-error.json');
    expect(feedChunked(geminiGenerateContent.newResponseParser({ stream: false, contentType: JSON_CT }), err, 2)).toEqual({
      usage: {},
      errorType: 'RESOURCE_EXHAUSTED',
    });
    expect(feedChunked(geminiGenerateContent.newResponseParser({ stream: true, contentType: JSON_CT }), `[${err.toString()}]`, 2).errorType).toBe(
      'RESOURCE_EXHAUSTED',
    );
    expect(feedChunked(geminiCountTokens.newResponseParser({ stream: false, contentType: JSON_CT }), err, 2).errorType).toBe('RESOURCE_EXHAUSTED');
  });

  it('does not count countTokens results as usage, but reads embedding usage when present', () => {
    expect(feedChunked(geminiCountTokens.newResponseParser({ stream: false, contentType: JSON_CT }), '{"totalTokens":31}', 1)).toEqual({ usage: {} });
    const embed = '{"embedding":{"values":[0.1,0.2]},"usageMetadata":{"promptTokenCount":6,"totalTokenCount":6}}';
    expect(feedChunked(geminiEmbedContent.newResponseParser({ stream: false, contentType: JSON_CT }), embed, 1)).toEqual({ usage: { input: 6, total: 6 } });
  });
});
