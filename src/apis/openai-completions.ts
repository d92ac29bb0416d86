/**
 * OpenAI legacy Completions, `POST /v1/completions`. Same body and stream conventions as Chat
 * Completions (`text_completion` chunks; usage in the body or the final chunk).
 */
import { MODEL_AND_STREAM, jsonBodyParser } from './body-facts.js';
import { newCompletionResponseParser } from './openai-completion-readers.js';
import { fixedPathSpec } from './spec-route.js';

/** The legacy Completions API. */
export const openAiCompletions = fixedPathSpec({
  id: 'openai.completions',
  operation: 'completion',
  provider: 'openai',
  errorShape: 'openai',
  modelSource: 'body',
  paths: ['/v1/completions'],
  parseRequestBody: jsonBodyParser(MODEL_AND_STREAM),
  newResponseParser: newCompletionResponseParser,
});
