/**
 * OpenAI Embeddings, `POST /v1/embeddings`. Never streamed; usage is `prompt_tokens` and
 * `total_tokens`. The (large) `data` member is never decoded: only the top-level fields we need
 * are read from the body.
 */
import type { ResponseInfo, ResponseParser } from './api.js';
import { MODEL_ONLY, jsonBodyParser } from './body-facts.js';
import { asString } from './json-fields.js';
import { promptFamilyUsage } from './openai-usage.js';
import { compact, jsonResponseParser, responseKeys } from './response-readers.js';
import { fixedPathSpec } from './spec-route.js';

const KEYS = responseKeys('model', 'usage');

/** Facts of an embeddings response body. */
export function readEmbeddingsJson(top: Readonly<Record<string, unknown>>): ResponseInfo {
  return compact({ usage: promptFamilyUsage(top['usage']), model: asString(top['model']) });
}

/** Parser for an embeddings response. */
export function newEmbeddingsResponseParser(): ResponseParser {
  return jsonResponseParser(KEYS, readEmbeddingsJson);
}

/** The Embeddings API. */
export const openAiEmbeddings = fixedPathSpec({
  id: 'openai.embeddings',
  operation: 'embeddings',
  provider: 'openai',
  errorShape: 'openai',
  modelSource: 'body',
  paths: ['/v1/embeddings'],
  parseRequestBody: jsonBodyParser(MODEL_ONLY),
  newResponseParser: newEmbeddingsResponseParser,
});
