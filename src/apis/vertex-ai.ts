/**
 * Vertex AI model methods:
 * `POST /{v1|v1beta1}/projects/{project}/locations/{location}/publishers/{publisher}/models/{model}:{method}`.
 *
 * - Publisher `google` (Gemini): generateContent, streamGenerateContent, countTokens,
 *   embedContent, with Gemini request and response bodies.
 * - Publisher `anthropic` (Claude on Vertex AI): rawPredict and streamRawPredict with Anthropic
 *   Messages bodies; the model is in the URL (`claude-…@version`). Token counting is served at
 *   `models/count-tokens:rawPredict` with the model in the body.
 */
import type { ApiMatch, ApiSpec } from './api.js';
import { newAnthropicResponseParser } from './anthropic-messages.js';
import { MODEL_ONLY, jsonBodyParser } from './body-facts.js';
import { googleSpec, googleUrlStream, type GoogleMethod } from './gemini.js';
import {
  newEmbedContentParser,
  newErrorOnlyParser,
  newGenerateContentParser,
} from './gemini-response.js';
import { isPost, matchOnly, type SpecRoute } from './spec-route.js';
import { decodeSegment, splitModelMethod } from './url-path.js';

/** Path prefixes of Vertex AI project resources. */
export const VERTEX_PREFIXES = ['/v1/projects/', '/v1beta1/projects/'] as const;

const PROVIDER = 'gcp.vertex_ai';

/** Gemini generateContent and streamGenerateContent on Vertex AI. */
export const vertexGenerateContent = googleSpec({
  id: 'vertex_ai.generate_content',
  operation: 'chat',
  provider: PROVIDER,
  newResponseParser: newGenerateContentParser,
  match: matchOnly('vertex_ai.generate_content', matchVertex),
});

/** Gemini countTokens on Vertex AI. */
export const vertexCountTokens = googleSpec({
  id: 'vertex_ai.count_tokens',
  operation: 'count_tokens',
  provider: PROVIDER,
  newResponseParser: newErrorOnlyParser,
  match: matchOnly('vertex_ai.count_tokens', matchVertex),
});

/** Gemini embedContent on Vertex AI. */
export const vertexEmbedContent = googleSpec({
  id: 'vertex_ai.embed_content',
  operation: 'embeddings',
  provider: PROVIDER,
  newResponseParser: newEmbedContentParser,
  match: matchOnly('vertex_ai.embed_content', matchVertex),
});

/** Claude Messages on Vertex AI (rawPredict / streamRawPredict). */
export const vertexAnthropicMessages = googleSpec({
  id: 'vertex_ai.anthropic_messages',
  operation: 'chat',
  provider: PROVIDER,
  errorShape: 'anthropic',
  newResponseParser: newAnthropicResponseParser,
  match: matchOnly('vertex_ai.anthropic_messages', matchVertex),
});

/** Claude token counting on Vertex AI (model named in the body). */
export const vertexAnthropicCountTokens: ApiSpec = {
  id: 'vertex_ai.anthropic_count_tokens',
  operation: 'count_tokens',
  provider: PROVIDER,
  errorShape: 'anthropic',
  modelSource: 'body',
  modelField: 'model',
  match: matchOnly('vertex_ai.anthropic_count_tokens', matchVertex),
  parseRequestBody: jsonBodyParser(MODEL_ONLY),
  newResponseParser: newErrorOnlyParser,
};

type Entry = { api: ApiSpec; stream: boolean };

const GOOGLE_METHODS: ReadonlyMap<string, GoogleMethod> = new Map([
  ['generateContent', { api: vertexGenerateContent, stream: false, sseCapable: true }],
  ['streamGenerateContent', { api: vertexGenerateContent, stream: true, sseCapable: true }],
  ['countTokens', { api: vertexCountTokens, stream: false, sseCapable: false }],
  ['embedContent', { api: vertexEmbedContent, stream: false, sseCapable: false }],
]);

const ANTHROPIC_METHODS: ReadonlyMap<string, Entry> = new Map([
  ['rawPredict', { api: vertexAnthropicMessages, stream: false }],
  ['streamRawPredict', { api: vertexAnthropicMessages, stream: true }],
]);

/** Matches a Vertex AI publisher model method path. */
export function matchVertex(method: string, path: string, query: URLSearchParams): ApiMatch | undefined {
  if (!isPost(method)) return undefined;
  const prefix = VERTEX_PREFIXES.find((p) => path.startsWith(p));
  if (prefix === undefined) return undefined;
  // {project}/locations/{location}/publishers/{publisher}/models/{model}:{method}
  const seg = path.slice(prefix.length).split('/');
  if (seg.length !== 7 || seg[1] !== 'locations' || seg[3] !== 'publishers' || seg[5] !== 'models') return undefined;
  if (!seg[0] || !seg[2] || !seg[4]) return undefined;
  const parts = splitModelMethod(seg[6]!);
  if (parts === undefined) return undefined;
  const publisher = decodeSegment(seg[4]);
  const start = path.length - seg[6]!.length;
  const urlModelAt = { start, end: start + seg[6]!.lastIndexOf(':') };
  if (publisher === 'anthropic') {
    if (parts.model === 'count-tokens' && parts.method === 'rawPredict') return { api: vertexAnthropicCountTokens, urlStream: false };
    const entry = ANTHROPIC_METHODS.get(parts.method);
    return entry ? { api: entry.api, urlModel: parts.model, urlModelAt, urlStream: entry.stream } : undefined;
  }
  if (publisher !== 'google') return undefined;
  const entry = GOOGLE_METHODS.get(parts.method);
  return entry ? { api: entry.api, urlModel: parts.model, urlModelAt, urlStream: googleUrlStream(entry, query) } : undefined;
}

/** Registry entry of Vertex AI. */
export const vertexRoute: SpecRoute = { prefixes: VERTEX_PREFIXES, match: matchVertex };
