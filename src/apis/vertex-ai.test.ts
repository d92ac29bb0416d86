import { describe, expect, it } from 'vitest';
import { feedChunked } from '../../test/support/chunking.js';
import { providerFixture } from '../../test/support/provider-fixtures.js';
import { UserFacingError } from '../errors.js';
import { matchVertex, vertexAnthropicCountTokens, vertexAnthropicMessages, vertexGenerateContent } from './vertex-ai.js';

const q = new URLSearchParams();
const BASE = '/v1/projects/my-proj/locations/us-central1/publishers';

describe('Vertex AI', () => {
  it('matches Gemini publisher models', () => {
    expect(matchVertex('POST', `${BASE}/google/models/gemini-2.5-flash:streamGenerateContent`, q)).toMatchObject({
      api: vertexGenerateContent,
      urlModel: 'gemini-2.5-flash',
      urlStream: true,
    });
    expect(vertexGenerateContent.provider).toBe('gcp.vertex_ai');
    expect(vertexGenerateContent.errorShape).toBe('gemini');
  });

  it('streams Gemini generateContent when the query asks for SSE', () => {
    expect(matchVertex('POST', `${BASE}/google/models/gemini-2.5-flash:generateContent`, new URLSearchParams('alt=sse'))?.urlStream).toBe(true);
    expect(matchVertex('POST', `${BASE}/google/models/gemini-2.5-flash:generateContent`, q)?.urlStream).toBe(false);
    expect(matchVertex('POST', `${BASE}/google/models/gemini-2.5-flash:countTokens`, new URLSearchParams('alt=sse'))?.urlStream).toBe(false);
  });

  it('matches Claude on Vertex AI and reads its Anthropic responses', () => {
    const m = matchVertex('POST', `${BASE}/anthropic/models/claude-3-5-sonnet-v2@20241022:rawPredict`, q);
    expect(m).toMatchObject({ api: vertexAnthropicMessages, urlModel: 'claude-3-5-sonnet-v2@20241022', urlStream: false });
    const info = feedChunked(vertexAnthropicMessages.newResponseParser({ stream: true, contentType: 'text/event-stream' }), providerFixture('anthropic-message-stream.txt'), 3);
    expect(info.usage).toEqual({ input: 1825, cachedInput: 1800, cacheCreationInput: 0, output: 42, total: 1867 });
  });

  it('reads the model of Claude token counting from the body', () => {
    const m = matchVertex('POST', `${BASE}/anthropic/models/count-tokens:rawPredict`, q);
    expect(m?.api).toBe(vertexAnthropicCountTokens);
    expect(m?.urlModel).toBeUndefined();
    expect(vertexAnthropicCountTokens.parseRequestBody(Buffer.from('{"model":"claude-3-haiku@20240307","messages":[]}'), 'application/json').model).toBe(
      'claude-3-haiku@20240307',
    );
    expect(() => vertexAnthropicCountTokens.parseRequestBody(Buffer.from('{"messages":[]}'), 'application/json')).toThrow(UserFacingError);
  });

  it('reads Gemini usage the same way as the Gemini API', () => {
    const info = feedChunked(vertexGenerateContent.newResponseParser({ stream: false, contentType: 'application/json' }), providerFixture('gemini-generate-content.json'), 9);
    expect(info.usage).toEqual({ input: 120, cachedInput: 100, output: 240, reasoning: 210, total: 360 });
  });

  it('rejects paths that are not publisher model methods', () => {
    for (const path of [
      '/v1/projects/p/locations/l/publishers/google/models/gemini',
      '/v1/projects/p/locations/l/publishers/google/models/gemini:predict',
      '/v1/projects/p/locations/l/publishers/google/models/a/b:generateContent',
      '/v1/projects//locations/l/publishers/google/models/g:generateContent',
      '/v1/projects/p/zones/l/publishers/google/models/g:generateContent',
      '/v1/projects/p/locations/l/publishers/anthropic/models/claude:generateContent',
    ]) {
      expect(matchVertex('POST', path, q), path).toBeUndefined();
    }
    expect(matchVertex('GET', `${BASE}/google/models/g:generateContent`, q)).toBeUndefined();
  });
});
