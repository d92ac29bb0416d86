/**
 * Every recorded OpenAI/Azure exchange goes through API detection, request body reading and the
 * response parser of the detected API, fed in random-size chunks. Usage numbers must come out
 * exactly as recorded.
 */
import { describe, expect, it } from 'vitest';
import { feedChunked } from '../../test/support/chunking.js';
import { flatHeaders, headerValue, listCassettes, loadCassette, type Cassette } from '../../test/support/cassettes.js';
import type { ResponseInfo, TokenUsage } from './api.js';
import { detectApi } from './registry.js';

/** Usage each recorded response reports, written out from the recordings. */
const RECORDED_USAGE: Record<string, { usage: TokenUsage; audioDurationSeconds?: number }> = {
  'audio-transcription-basic': { usage: {}, audioDurationSeconds: 7 },
  'azure-chat-basic': { usage: { input: 8, cachedInput: 0, output: 271, reasoning: 192, total: 279 } },
  'chat-audio-to-text': { usage: { input: 28, cachedInput: 0, output: 17, reasoning: 0, total: 45 } },
  'chat-basic': { usage: { input: 8, cachedInput: 0, output: 377, reasoning: 320, total: 385 } },
  'chat-detailed-usage': { usage: { input: 12, cachedInput: 0, output: 100, reasoning: 100, total: 112 } },
  'chat-image-to-text': { usage: { input: 22, cachedInput: 0, output: 719, reasoning: 704, total: 741 } },
  'chat-json-mode': { usage: { input: 21, cachedInput: 0, output: 280, reasoning: 256, total: 301 } },
  'chat-multimodal': { usage: { input: 2245, cachedInput: 0, output: 100, reasoning: 100, total: 2345 } },
  'chat-multiturn': { usage: { input: 50, cachedInput: 0, output: 526, reasoning: 512, total: 576 } },
  'chat-openai-agents-python': { usage: { input: 171, cachedInput: 0, output: 1962, reasoning: 1664, total: 2133 } },
  'chat-parallel-tools': { usage: { input: 162, cachedInput: 0, output: 219, reasoning: 192, total: 381 } },
  'chat-reasoning': { usage: { input: 27, cachedInput: 0, output: 267, reasoning: 192, total: 294 } },
  'chat-streaming-detailed-usage': { usage: { input: 12, cachedInput: 0, output: 100, reasoning: 100, total: 112 } },
  'chat-text-to-audio': { usage: { input: 22, cachedInput: 0, output: 18, reasoning: 0, total: 40 } },
  'chat-text-to-image-tool': { usage: { input: 206, cachedInput: 0, output: 150, reasoning: 150, total: 356 } },
  'chat-tools': { usage: { input: 162, cachedInput: 0, output: 287, reasoning: 256, total: 449 } },
  'chat-web-search': { usage: { input: 26, cachedInput: 0, output: 22, reasoning: 0, total: 48 } },
  'completion-basic': { usage: { input: 31, output: 25, total: 56 } },
  'completion-streaming-usage': { usage: { input: 31, output: 25, total: 56 } },
  'completion-suffix': { usage: { input: 25, output: 30, total: 55 } },
  'completion-text-batch': { usage: { input: 49, output: 58, total: 107 } },
  'completion-token': { usage: { input: 31, output: 25, total: 56 } },
  'completion-token-batch': { usage: { input: 49, output: 57, total: 106 } },
  'embeddings-base64': { usage: { input: 7, total: 7 } },
  'embeddings-basic': { usage: { input: 7, total: 7 } },
  'embeddings-dimensions': { usage: { input: 5, total: 5 } },
  'embeddings-large-text': { usage: { input: 111, total: 111 } },
  'embeddings-max-tokens': { usage: { input: 1139, total: 1139 } },
  'embeddings-mixed-batch': { usage: { input: 79, total: 79 } },
  'embeddings-tokens': { usage: { input: 7, total: 7 } },
  'embeddings-whitespace': { usage: { input: 26, total: 26 } },
};

/** The API each recording must be detected as, by name prefix. */
function expectedApi(name: string): string {
  const byPrefix: Array<[string, string]> = [
    ['azure-chat-', 'azure.chat_completions'],
    ['chat-', 'openai.chat_completions'],
    ['completion-', 'openai.completions'],
    ['embeddings-', 'openai.embeddings'],
    ['audio-transcription-', 'openai.audio_transcriptions'],
    ['audio-translation-', 'openai.audio_translations'],
    ['image-generation-', 'openai.image_generations'],
  ];
  const hit = byPrefix.find(([p]) => name.startsWith(p));
  if (!hit) throw new Error(`no expected API for recording ${name}`);
  return hit[1];
}

const cassettes: Cassette[] = listCassettes().map(loadCassette);

function parseRecorded(c: Cassette, seed: number): ResponseInfo {
  const { request, response } = c.interactions[0]!;
  const url = new URL(request.url);
  const match = detectApi(request.method, url.pathname + url.search, { pathPrefix: '' })!;
  const contentType = headerValue(response.headers, 'content-type') ?? '';
  const parser = match.api.newResponseParser({
    stream: contentType.startsWith('text/event-stream'),
    contentType,
    headers: flatHeaders(response.headers),
  });
  return feedChunked(parser, response.body, seed, 1 + (seed % 97));
}

/** `data:` payloads of an SSE body, parsed. */
function sseChunks(body: string): Array<Record<string, unknown>> {
  return body
    .split('\n')
    .filter((l) => l.startsWith('data: {'))
    .map((l) => JSON.parse(l.slice('data: '.length)) as Record<string, unknown>);
}

describe('recorded OpenAI traffic', () => {
  it('holds the recordings', () => {
    expect(cassettes.length).toBeGreaterThanOrEqual(40);
  });

  it('lists every recording that reports usage in the table', () => {
    const withUsage = cassettes
      .filter((c) => /"usage"\s*:\s*\{/.test(c.interactions[0]!.response.body))
      .map((c) => c.name)
      .sort();
    expect(withUsage).toEqual(Object.keys(RECORDED_USAGE).sort());
  });

  describe.each(cassettes.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const { request, response } = c.interactions[0]!;

    it('is detected as the right API', () => {
      const url = new URL(request.url);
      const match = detectApi(request.method, url.pathname + url.search, { pathPrefix: '' });
      expect(match?.api.id).toBe(expectedApi(name));
      if (name.startsWith('azure-')) expect(match?.urlModel).toBe(url.pathname.split('/')[3]);
    });

    it('yields model and stream flag from the request body', () => {
      const url = new URL(request.url);
      const match = detectApi(request.method, url.pathname + url.search, { pathPrefix: '' })!;
      if (match.api.modelSource === 'multipart') return; // recorded without the form body
      const body = JSON.parse(request.body) as Record<string, unknown>;
      const facts = match.api.parseRequestBody(Buffer.from(request.body), headerValue(request.headers, 'content-type'));
      expect(match.urlModel ?? facts.model).toBe(match.urlModel ?? body['model']);
      expect(facts.stream).toBe(body['stream'] === true);
    });

    it.each([1, 2, 3, 17, 250])('reads the response in random chunks (seed %i)', (seed) => {
      const info = parseRecorded(c, seed);
      const expected = RECORDED_USAGE[name];
      expect(info.usage).toEqual(expected?.usage ?? {});
      expect(info.audioDurationSeconds).toBe(expected?.audioDurationSeconds);
      expect(info.parseError).toBeUndefined();

      const contentType = headerValue(response.headers, 'content-type') ?? '';
      if (response.status >= 400) {
        const err = (JSON.parse(response.body) as { error: { type: string } }).error;
        expect(info.errorType).toBe(err.type);
        return;
      }
      expect(info.errorType).toBeUndefined();
      if (contentType.startsWith('text/event-stream')) {
        const chunks = sseChunks(response.body);
        expect(info.model).toBe(chunks[0]!['model']);
        expect(info.responseId).toBe(chunks[0]!['id']);
        const finishes = chunks.flatMap((ch) =>
          ((ch['choices'] as Array<{ index: number; finish_reason: string | null }>) ?? [])
            .filter((x) => x.index === 0 && x.finish_reason)
            .map((x) => x.finish_reason),
        );
        expect(info.finishReason).toBe(finishes[0]);
      } else if (expectedApi(name).endsWith('completions')) {
        const body = JSON.parse(response.body) as { model: string; id: string; choices: Array<{ finish_reason: string }> };
        expect(info.model).toBe(body.model);
        expect(info.responseId).toBe(body.id);
        expect(info.finishReason).toBe(body.choices[0]!.finish_reason);
      }
    });
  });
});
