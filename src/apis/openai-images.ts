/**
 * OpenAI image generation, `POST /v1/images/generations`. Model and `stream` in the JSON body.
 * GPT image models report `usage` (`input_tokens`, `output_tokens`, `total_tokens`) in the body,
 * or in the `image_generation.completed` event when streamed; DALL·E models report none. Image
 * data (base64 or URLs) is never decoded.
 */
import type { ResponseInfo, ResponseParser } from './api.js';
import { MODEL_AND_STREAM, readJsonBodyFacts } from './body-facts.js';
import { asObject, parseJson } from './json-fields.js';
import { inputFamilyUsage } from './openai-usage.js';
import {
  compact,
  isEventStream,
  jsonResponseParser,
  responseKeys,
  sseEventType,
  sseResponseParser,
  type ParserOptions,
  type StreamHandler,
} from './response-readers.js';
import { fixedPathSpec } from './spec-route.js';
import type { SseEvent } from './sse.js';

const KEYS = responseKeys('usage');

/** Facts of an images response body. */
export function readImagesJson(top: Readonly<Record<string, unknown>>): ResponseInfo {
  return compact({ usage: inputFamilyUsage(top['usage']) });
}

/** Follows an image generation event stream. */
class ImageEventStream implements StreamHandler<SseEvent> {
  private info: ResponseInfo = { usage: {} };

  onEvent(ev: SseEvent): void {
    const type = sseEventType(ev);
    if (type === 'image_generation.completed') {
      this.info = readImagesJson(asObject(parseJson(ev.data)) ?? {});
    } else if (type === 'error') {
      this.info = { ...this.info, errorType: 'error' };
    }
  }

  finish(): ResponseInfo {
    return this.info;
  }
}

/** Parser for an image generation response, streamed or not. */
export function newImagesResponseParser(opts: ParserOptions): ResponseParser {
  if (isEventStream(opts.contentType)) return sseResponseParser(new ImageEventStream());
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
  parseRequestBody: (body, _contentType, opts) => readJsonBodyFacts(body, MODEL_AND_STREAM, opts),
  newResponseParser: newImagesResponseParser,
});
