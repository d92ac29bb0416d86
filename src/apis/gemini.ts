/**
 * Gemini API (Google AI, generativelanguage.googleapis.com):
 * `POST /{v1beta|v1|v1alpha}/models/{model}:{method}`. The model is the URL segment; the method
 * decides the operation and, for `streamGenerateContent`, streaming (SSE with `alt=sse`, else a
 * JSON array sent as it grows); `generateContent?alt=sse` streams too (SSE). Errors in Google's
 * shape.
 */
import type { ApiMatch, ApiSpec, ResponseParser } from './api.js';
import {
  newEmbedContentParser,
  newErrorOnlyParser,
  newGenerateContentParser,
} from './gemini-response.js';
import type { ParserOptions } from './response-readers.js';
import { isPost, matchOnly, type SpecRoute } from './spec-route.js';
import { queryAsksForSse, splitModelMethod } from './url-path.js';

/** Path prefixes of the Gemini API's model methods. */
export const GEMINI_PREFIXES = ['/v1beta/models/', '/v1/models/', '/v1alpha/models/'] as const;

/** A Gemini-family spec (Gemini API or Vertex AI) for one group of methods. */
export function googleSpec(def: {
  id: string;
  operation: string;
  provider: string;
  errorShape?: ApiSpec['errorShape'];
  newResponseParser: (opts: ParserOptions) => ResponseParser;
  match: ApiSpec['match'];
}): ApiSpec {
  return {
    id: def.id,
    operation: def.operation,
    provider: def.provider,
    errorShape: def.errorShape ?? 'gemini',
    modelSource: 'url',
    match: def.match,
    parseRequestBody: () => ({}),
    newResponseParser: def.newResponseParser,
  };
}

/** generateContent and streamGenerateContent. */
export const geminiGenerateContent = googleSpec({
  id: 'gemini.generate_content',
  operation: 'chat',
  provider: 'gcp.gemini',
  newResponseParser: newGenerateContentParser,
  match: matchOnly('gemini.generate_content', matchGemini),
});

/** countTokens (a count for a prompt not run: no usage). */
export const geminiCountTokens = googleSpec({
  id: 'gemini.count_tokens',
  operation: 'count_tokens',
  provider: 'gcp.gemini',
  newResponseParser: newErrorOnlyParser,
  match: matchOnly('gemini.count_tokens', matchGemini),
});

/** embedContent and batchEmbedContents. */
export const geminiEmbedContent = googleSpec({
  id: 'gemini.embed_content',
  operation: 'embeddings',
  provider: 'gcp.gemini',
  newResponseParser: newEmbedContentParser,
  match: matchOnly('gemini.embed_content', matchGemini),
});

/**
 * A Google model method: its API, whether it always streams, and whether `alt=sse` makes it
 * stream (the generate methods; counting and embedding answer one JSON object either way).
 */
export interface GoogleMethod {
  readonly api: ApiSpec;
  readonly stream: boolean;
  readonly sseCapable: boolean;
}

const METHODS: ReadonlyMap<string, GoogleMethod> = new Map([
  ['generateContent', { api: geminiGenerateContent, stream: false, sseCapable: true }],
  ['streamGenerateContent', { api: geminiGenerateContent, stream: true, sseCapable: true }],
  ['countTokens', { api: geminiCountTokens, stream: false, sseCapable: false }],
  ['embedContent', { api: geminiEmbedContent, stream: false, sseCapable: false }],
  ['batchEmbedContents', { api: geminiEmbedContent, stream: false, sseCapable: false }],
]);

/**
 * Whether a request to `method` streams, from the URL alone: always for the stream methods, and
 * for a generate method whose query asks for SSE (`generateContent?alt=sse`).
 */
export function googleUrlStream(method: GoogleMethod, query: URLSearchParams): boolean {
  return method.stream || (method.sseCapable && queryAsksForSse(query));
}

/** Matches a Gemini API model method path. */
export function matchGemini(method: string, path: string, query: URLSearchParams): ApiMatch | undefined {
  if (!isPost(method)) return undefined;
  const prefix = GEMINI_PREFIXES.find((p) => path.startsWith(p));
  if (prefix === undefined) return undefined;
  const parts = splitModelMethod(path.slice(prefix.length));
  if (parts === undefined) return undefined;
  const entry = METHODS.get(parts.method);
  if (entry === undefined) return undefined;
  const at = { start: prefix.length, end: prefix.length + path.slice(prefix.length).lastIndexOf(':') };
  return { api: entry.api, urlModel: parts.model, urlModelAt: at, urlStream: googleUrlStream(entry, query) };
}

/** Registry entry of the Gemini API. */
export const geminiRoute: SpecRoute = { prefixes: GEMINI_PREFIXES, match: matchGemini };
