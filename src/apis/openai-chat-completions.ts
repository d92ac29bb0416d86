/**
 * OpenAI Chat Completions, `POST /v1/chat/completions` (also served by OpenAI-compatible
 * servers such as vLLM and Ollama). Model and `stream` in the JSON body; usage in the body or in
 * the final SSE chunk when the client asked for `stream_options.include_usage`.
 */
import { MODEL_AND_STREAM, jsonBodyParser } from './body-facts.js';
import { newCompletionResponseParser } from './openai-completion-readers.js';
import { fixedPathSpec } from './spec-route.js';

/** The Chat Completions API. */
export const openAiChatCompletions = fixedPathSpec({
  id: 'openai.chat_completions',
  operation: 'chat',
  provider: 'openai',
  errorShape: 'openai',
  modelSource: 'body',
  paths: ['/v1/chat/completions'],
  parseRequestBody: jsonBodyParser(MODEL_AND_STREAM),
  newResponseParser: newCompletionResponseParser,
});
