/**
 * OpenAI image generation, `POST /v1/images/generations`. Model and `stream` in the JSON body.
 * GPT image models report `usage` (`input_tokens`, `output_tokens`, `total_tokens`) in the body,
 * or in the `image_generation.completed` event when streamed; DALL·E models report none. Image
 * data (base64 or URLs) is never decoded.
 */
import type { ResponseInfo, ResponseParser } from './api.js';
import { MODEL_AND_STREAM, jsonBodyParser } from './body-facts.js';
import { DoneEventStream } from './done-event-stream.js';
import { inputFamilyUsage } from './openai-usage.js';
import { compact, isEventStream, jsonResponseParser, responseKeys, sseResponseParser, type ParserOptions } from './response-readers.js';
import { fixedPathSpec } from './spec-route.js';

const KEYS = responseKeys('usage');

/** Facts of an images response body. */
export function readImagesJson(top: Readonly<Record<string, unknown>>): ResponseInfo {
  return compact({ usage: inputFamilyUsage(top['usage']) });
}

/** The event of an image generation stream that reports usage. */
const DONE_EVENTS: ReadonlySet<string> = new Set(['image_generation.completed']);

/** Parser for an image generation response, streamed or not. */
export function newImagesResponseParser(opts: ParserOptions): ResponseParser {
  if (isEventStream(opts.contentType)) return sseResponseParser(new DoneEventStream(DONE_EVENTS, readImagesJson));
  return jsonResponseParser(KEYS, readImagesJson);
}

/** The image generation API. */
export const openAiImageGenerations = fixedPathSpec({
  id: 'openai.image_generations',
  operation: 'image_generation',
  provider: 'openai',
  errorShape: 'openai',
  modelSource: 'body',
  paths: ['/v1/images/generations'],
  parseRequestBody: jsonBodyParser(MODEL_AND_STREAM),
  newResponseParser: newImagesResponseParser,
});
