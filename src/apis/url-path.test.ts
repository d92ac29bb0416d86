import { describe, expect, it } from 'vitest';
import { detectApi } from './registry.js';
import { encodeSegment, pathWithModel, queryAsksForSse } from './url-path.js';

const renamed = (path: string, model: string, pathPrefix = '') => {
  const match = detectApi('POST', path, { pathPrefix });
  if (!match) throw new Error(`no API at ${path}`);
  return pathWithModel(path, match, model);
};

describe('pathWithModel', () => {
  it('renames the model segment of every URL-model API, keeping method, query and prefix', () => {
    expect(renamed('/v1beta/models/gemini-pro:streamGenerateContent?alt=sse', 'gemini-2.0-flash-001')).toBe('/v1beta/models/gemini-2.0-flash-001:streamGenerateContent?alt=sse');
    expect(renamed('/v1/projects/p/locations/us-central1/publishers/anthropic/models/claude-sonnet:rawPredict', 'claude-3-5-sonnet-v2@20241022')).toBe(
      '/v1/projects/p/locations/us-central1/publishers/anthropic/models/claude-3-5-sonnet-v2@20241022:rawPredict',
    );
    expect(renamed('/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse', 'anthropic.claude-3-5-haiku-20241022-v1:0')).toBe('/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
    expect(renamed('/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21', 'gpt-4o-prod')).toBe('/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21');
    expect(renamed('/gw/v1beta/models/gemini-pro:generateContent', 'gemini-2.0-flash', '/gw')).toBe('/gw/v1beta/models/gemini-2.0-flash:generateContent');
  });

  it('changes nothing when the URL already names the model, or the API has no URL model', () => {
    expect(renamed('/v1beta/models/gemini-pro:generateContent', 'gemini-pro')).toBeUndefined();
    expect(renamed('/v1/chat/completions', 'gpt-4o')).toBeUndefined();
  });

  it('the renamed path is detected as the same API with the new model', () => {
    const path = renamed('/model/meta.llama3-8b-instruct-v1%3A0/invoke-with-response-stream', 'meta.llama3-70b-instruct-v1:0')!;
    expect(detectApi('POST', path, { pathPrefix: '' })).toMatchObject({ urlModel: 'meta.llama3-70b-instruct-v1:0', urlStream: true });
  });
});

describe('encodeSegment', () => {
  it('keeps what a path segment may carry, and encodes the rest', () => {
    expect(encodeSegment('claude-3@2024:x', false)).toBe('claude-3@2024:x');
    expect(encodeSegment('meta-llama/Llama 3?#%', false)).toBe('meta-llama%2FLlama%203%3F%23%25');
    expect(encodeSegment('a:b', true)).toBe('a%3Ab');
  });
});

describe('queryAsksForSse', () => {
  it('is true for alt=sse in any letter case, among other parameters', () => {
    expect(queryAsksForSse(new URLSearchParams('alt=sse'))).toBe(true);
    expect(queryAsksForSse(new URLSearchParams('key=k&alt=SSE'))).toBe(true);
    expect(queryAsksForSse(new URLSearchParams('alt=json'))).toBe(false);
    expect(queryAsksForSse(new URLSearchParams('alt='))).toBe(false);
    expect(queryAsksForSse(new URLSearchParams('format=sse'))).toBe(false);
    expect(queryAsksForSse(new URLSearchParams(''))).toBe(false);
  });
});
