import { describe, expect, it } from 'vitest';
import { ALL_APIS, detectApi, stripPrefix } from './registry.js';

const ARN = 'arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0';

type Row = [method: string, path: string, api: string | undefined, urlModel?: string, urlStream?: boolean];

const NO_PREFIX: Row[] = [
  ['POST', '/v1/chat/completions', 'openai.chat_completions'],
  ['post', '/v1/chat/completions', 'openai.chat_completions'],
  ['POST', '/v1/chat/completions?foo=bar', 'openai.chat_completions'],
  ['POST', '/v1/completions', 'openai.completions'],
  ['POST', '/v1/embeddings', 'openai.embeddings'],
  ['POST', '/v1/responses', 'openai.responses'],
  ['POST', '/v1/images/generations', 'openai.image_generations'],
  ['POST', '/v1/audio/speech', 'openai.audio_speech'],
  ['POST', '/v1/audio/transcriptions', 'openai.audio_transcriptions'],
  ['POST', '/v1/audio/translations', 'openai.audio_translations'],
  ['POST', '/v1/messages', 'anthropic.messages'],
  ['POST', '/v1/messages?beta=true', 'anthropic.messages'],
  ['POST', '/v1/messages/count_tokens', 'anthropic.count_tokens'],
  ['POST', '/v1beta/models/gemini-2.5-flash:generateContent', 'gemini.generate_content', 'gemini-2.5-flash', false],
  ['POST', '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=k', 'gemini.generate_content', 'gemini-2.5-flash', true],
  ['POST', '/v1/models/gemini-2.0-flash:streamGenerateContent', 'gemini.generate_content', 'gemini-2.0-flash', true],
  ['POST', '/v1alpha/models/gemini-2.0-flash:generateContent', 'gemini.generate_content', 'gemini-2.0-flash', false],
  ['POST', '/v1beta/models/gemini-2.0-flash:generateContent?alt=sse', 'gemini.generate_content', 'gemini-2.0-flash', true],
  ['POST', '/v1beta/models/gemini-2.0-flash:generateContent?key=k&alt=SSE', 'gemini.generate_content', 'gemini-2.0-flash', true],
  ['POST', '/v1beta/models/gemini-2.0-flash:generateContent?alt=json', 'gemini.generate_content', 'gemini-2.0-flash', false],
  ['POST', '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=json', 'gemini.generate_content', 'gemini-2.0-flash', true],
  ['POST', '/v1beta/models/gemini-2.5-pro:countTokens?alt=sse', 'gemini.count_tokens', 'gemini-2.5-pro', false],
  ['POST', '/v1beta/models/text-embedding-004:embedContent?alt=sse', 'gemini.embed_content', 'text-embedding-004', false],
  ['POST', '/v1beta/models/gemini-2.5-pro:countTokens', 'gemini.count_tokens', 'gemini-2.5-pro', false],
  ['POST', '/v1beta/models/text-embedding-004:embedContent', 'gemini.embed_content', 'text-embedding-004', false],
  ['POST', '/v1beta/models/text-embedding-004:batchEmbedContents', 'gemini.embed_content', 'text-embedding-004', false],
  ['POST', '/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent', 'vertex_ai.generate_content', 'gemini-2.5-pro', false],
  ['POST', '/v1beta1/projects/p1/locations/global/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse', 'vertex_ai.generate_content', 'gemini-2.5-pro', true],
  ['POST', '/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent?alt=sse', 'vertex_ai.generate_content', 'gemini-2.5-pro', true],
  ['POST', '/v1/projects/p1/locations/us-central1/publishers/google/models/text-embedding-005:embedContent?alt=sse', 'vertex_ai.embed_content', 'text-embedding-005', false],
  ['POST', '/v1/projects/p1/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:rawPredict?alt=sse', 'vertex_ai.anthropic_messages', 'claude-sonnet-4@20250514', false],
  ['POST', '/v1/projects/p1/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:streamRawPredict', 'vertex_ai.anthropic_messages', 'claude-sonnet-4@20250514', true],
  ['POST', '/v1/projects/p1/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict', 'vertex_ai.anthropic_count_tokens', undefined, false],
  ['POST', '/model/anthropic.claude-3-haiku-20240307-v1:0/converse', 'bedrock.converse', 'anthropic.claude-3-haiku-20240307-v1:0', false],
  ['POST', '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream', 'bedrock.converse', 'anthropic.claude-3-haiku-20240307-v1:0', true],
  ['POST', `/model/${encodeURIComponent(ARN)}/invoke`, 'bedrock.invoke', ARN, false],
  ['POST', `/model/${encodeURIComponent(ARN)}/invoke-with-response-stream`, 'bedrock.invoke', ARN, true],
  ['POST', `/model/${ARN}/converse`, 'bedrock.converse', ARN, false],
  ['POST', '/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21', 'azure.chat_completions', 'my-gpt4o'],
  ['POST', '/openai/deployments/my%20dep/embeddings?api-version=2024-10-21', 'azure.embeddings', 'my dep'],
  ['POST', '/openai/deployments/davinci/completions', 'azure.completions', 'davinci'],
  // Negative cases.
  ['GET', '/v1/chat/completions', undefined],
  ['GET', '/v1/models', undefined],
  ['POST', '/v1/chat/completions/', undefined],
  ['POST', '/v1/chat/completion', undefined],
  ['POST', '/v2/chat/completions', undefined],
  ['POST', '/chat/completions', undefined],
  ['POST', '/v1/messages/batches', undefined],
  ['POST', '/', undefined],
  ['POST', '', undefined],
  ['POST', '/v1beta/models/gemini-2.5-flash', undefined],
  ['POST', '/v1beta/models/gemini-2.5-flash:unknownMethod', undefined],
  ['POST', '/v1beta/models/:generateContent', undefined],
  ['POST', '/v1beta/models/a/b:generateContent', undefined],
  ['GET', '/v1beta/models/gemini-2.5-flash:generateContent', undefined],
  ['POST', '/v1/projects/p1/locations/l/publishers/meta/models/llama:generateContent', undefined],
  ['POST', '/v1/projects/p1/locations/l/publishers/google/models/gemini:rawPredict', undefined],
  ['POST', '/v1/projects/p1/locations/l/endpoints/123:generateContent', undefined],
  ['POST', '/model//converse', undefined],
  ['POST', '/model/x/chat', undefined],
  ['POST', '/model/converse', undefined],
  ['POST', '/openai/deployments/x/images/generations', undefined],
  ['POST', '/openai/deployments//chat/completions', undefined],
];

describe('detectApi', () => {
  it.each(NO_PREFIX)('%s %s → %s', (method, path, api, urlModel, urlStream) => {
    const m = detectApi(method, path, { pathPrefix: '' });
    expect(m?.api.id).toBe(api);
    if (api !== undefined) {
      expect(m?.urlModel).toBe(urlModel);
      expect(m?.urlStream).toBe(urlStream);
    }
  });

  it('matches each spec to itself only', () => {
    for (const [method, path, api] of NO_PREFIX) {
      if (api === undefined) continue;
      const m = detectApi(method, path, { pathPrefix: '' })!;
      const q = path.indexOf('?');
      const bare = q < 0 ? path : path.slice(0, q);
      const query = new URLSearchParams(q < 0 ? '' : path.slice(q + 1));
      for (const spec of ALL_APIS) {
        expect(spec.match(method, bare, query)?.api.id === api, `${spec.id} on ${path}`).toBe(spec.id === api);
      }
    }
  });

  it('has unique ids and a url model source exactly where the URL names the model', () => {
    const ids = ALL_APIS.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const a of ALL_APIS) expect(['body', 'url', 'multipart']).toContain(a.modelSource);
  });

  describe('with a path prefix', () => {
    it.each([
      ['/openai', '/openai/v1/chat/completions', 'openai.chat_completions'],
      ['/openai/', '/openai/v1/chat/completions', 'openai.chat_completions'],
      ['openai', '/openai/v1/embeddings?x=1', 'openai.embeddings'],
      ['/gw/anthropic', '/gw/anthropic/v1/messages', 'anthropic.messages'],
      ['/openai', '/openai/deployments/d/chat/completions', 'azure.chat_completions'],
      ['/openai', '/v1/chat/completions', 'openai.chat_completions'],
      ['/openai', '/openaiv1/chat/completions', undefined],
      ['/openai', '/openai', undefined],
      ['/google', '/google/v1beta/models/gemini-2.5-flash:generateContent', 'gemini.generate_content'],
    ])('prefix %s: %s → %s', (prefix, path, api) => {
      expect(detectApi('POST', path, { pathPrefix: prefix })?.api.id).toBe(api);
    });

    it('reads alt=sse behind a prefix', () => {
      expect(detectApi('POST', '/google/v1beta/models/gemini-2.5-flash:generateContent?alt=sse', { pathPrefix: '/google' })).toMatchObject({ urlModel: 'gemini-2.5-flash', urlStream: true });
    });
  });

  it('strips prefixes on segment boundaries only', () => {
    expect(stripPrefix('/openai/v1/x', '/openai')).toBe('/v1/x');
    expect(stripPrefix('/openai', '/openai')).toBe('/');
    expect(stripPrefix('/openaix/v1', '/openai')).toBeUndefined();
    expect(stripPrefix('/v1/x', '')).toBeUndefined();
    expect(stripPrefix('/v1/x', '/')).toBeUndefined();
  });
});
