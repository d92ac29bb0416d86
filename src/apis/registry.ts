/**
 * Detects the client API of a request from its method and path. Fixed paths are found with one
 * map lookup; URL-parameterised APIs (Gemini, Vertex AI, Bedrock, Azure) with a few `startsWith`
 * checks before their own matcher runs.
 */
import type { ApiMatch, ApiSpec } from './api.js';
import { anthropicCountTokens, anthropicMessages } from './anthropic-messages.js';
import { azureChatCompletions, azureCompletions, azureEmbeddings, azureRoute } from './azure-openai.js';
import { bedrockConverse, bedrockInvoke, bedrockRoute } from './bedrock.js';
import { geminiCountTokens, geminiEmbedContent, geminiGenerateContent, geminiRoute } from './gemini.js';
import { openAiAudioSpeech, openAiAudioTranscriptions, openAiAudioTranslations } from './openai-audio.js';
import { openAiChatCompletions } from './openai-chat-completions.js';
import { openAiCompletions } from './openai-completions.js';
import { openAiEmbeddings } from './openai-embeddings.js';
import { openAiImageGenerations } from './openai-images.js';
import { openAiResponses } from './openai-responses.js';
import type { FixedPathSpec, SpecRoute } from './spec-route.js';
import {
  vertexAnthropicCountTokens,
  vertexAnthropicMessages,
  vertexCountTokens,
  vertexEmbedContent,
  vertexGenerateContent,
  vertexRoute,
} from './vertex-ai.js';

const FIXED: readonly FixedPathSpec[] = [
  openAiChatCompletions,
  openAiCompletions,
  openAiEmbeddings,
  openAiResponses,
  openAiImageGenerations,
  openAiAudioSpeech,
  openAiAudioTranscriptions,
  openAiAudioTranslations,
  anthropicMessages,
  anthropicCountTokens,
];

const PARAMETERISED: readonly SpecRoute[] = [geminiRoute, vertexRoute, bedrockRoute, azureRoute];

/** Every API spec this service knows, for documentation and tests. */
export const ALL_APIS: readonly ApiSpec[] = [
  ...FIXED,
  geminiGenerateContent,
  geminiCountTokens,
  geminiEmbedContent,
  vertexGenerateContent,
  vertexCountTokens,
  vertexEmbedContent,
  vertexAnthropicMessages,
  vertexAnthropicCountTokens,
  bedrockConverse,
  bedrockInvoke,
  azureChatCompletions,
  azureCompletions,
  azureEmbeddings,
];

const BY_PATH = new Map<string, SpecRoute[]>();
for (const spec of FIXED) {
  for (const path of spec.route.exact ?? []) {
    const list = BY_PATH.get(path) ?? [];
    list.push(spec.route);
    BY_PATH.set(path, list);
  }
}

const BY_PREFIX: ReadonlyArray<readonly [string, SpecRoute]> = PARAMETERISED.flatMap((route) =>
  (route.prefixes ?? []).map((prefix) => [prefix, route] as const),
);

/** Options of {@link detectApi}. */
export interface DetectOptions {
  /** Prefix clients put before the API paths (e.g. `/openai`); empty for none. */
  readonly pathPrefix: string;
}

/**
 * The API served at `rawPath` (the `:path` header, query included), or undefined.
 * The query is kept for URL facts (`alt=sse`, `?key=`). When a prefix is configured it is
 * removed first; a path that does not match with the prefix removed is also tried as it is
 * (so `/openai/deployments/…` is still Azure when the prefix is `/openai`).
 */
export function detectApi(method: string, rawPath: string, opts: DetectOptions): ApiMatch | undefined {
  const q = rawPath.indexOf('?');
  const path = q < 0 ? rawPath : rawPath.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : rawPath.slice(q + 1));
  const m = method.toUpperCase();
  const stripped = stripPrefix(path, opts.pathPrefix);
  if (stripped !== undefined) {
    const found = matchPath(m, stripped, query);
    if (found?.urlModelAt) {
      const shift = path.length - stripped.length;
      return { ...found, urlModelAt: { start: found.urlModelAt.start + shift, end: found.urlModelAt.end + shift } };
    }
    if (found !== undefined) return found;
  }
  return matchPath(m, path, query);
}

/** `path` without `prefix` (normalised: leading slash, no trailing slash), or undefined. */
export function stripPrefix(path: string, prefix: string): string | undefined {
  if (prefix === '' || prefix === '/') return undefined;
  let p = prefix.startsWith('/') ? prefix : `/${prefix}`;
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  if (!path.startsWith(p)) return undefined;
  const rest = path.slice(p.length);
  if (rest === '') return '/';
  return rest.startsWith('/') ? rest : undefined;
}

function matchPath(method: string, path: string, query: URLSearchParams): ApiMatch | undefined {
  const exact = BY_PATH.get(path);
  if (exact !== undefined) {
    for (const route of exact) {
      const m = route.match(method, path, query);
      if (m !== undefined) return m;
    }
  }
  for (const [prefix, route] of BY_PREFIX) {
    if (path.startsWith(prefix)) {
      const m = route.match(method, path, query);
      if (m !== undefined) return m;
    }
  }
  return undefined;
}
