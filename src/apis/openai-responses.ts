/**
 * OpenAI Responses, `POST /v1/responses`. Model and `stream` in the body. Usage
 * (`input_tokens`, `input_tokens_details.cached_tokens`, `output_tokens`,
 * `output_tokens_details.reasoning_tokens`, `total_tokens`) is in the response object: the whole
 * body, or the `response` of the terminal stream event (`response.completed`,
 * `response.incomplete` or `response.failed`). Only those events, the first `response.created`
 * and `error` events are parsed; the many delta events are skipped by their type.
 */
import type { ResponseInfo, ResponseParser } from './api.js';
import { MODEL_AND_STREAM, jsonBodyParser } from './body-facts.js';
import { asObject, asString, objectAt, parseJson } from './json-fields.js';
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

const KEYS = responseKeys('id', 'model', 'status', 'usage', 'incomplete_details');

/** Facts of a Responses API response object (whole body or a stream event's `response`). */
export function readResponseObject(r: Readonly<Record<string, unknown>>): ResponseInfo {
  const failed = r['status'] === 'failed' ? objectAt(r, 'error') : undefined;
  return compact({
    usage: inputFamilyUsage(r['usage']),
    model: asString(r['model']),
    responseId: asString(r['id']),
    finishReason: asString(objectAt(r, 'incomplete_details')?.['reason']) ?? asString(r['status']),
    errorType: failed ? (asString(failed['code']) ?? 'response_failed') : undefined,
  });
}

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** Follows a Responses API event stream. */
class ResponsesEventStream implements StreamHandler<SseEvent> {
  private info: ResponseInfo | undefined;
  private model: string | undefined;
  private id: string | undefined;
  private errorType: string | undefined;

  onEvent(ev: SseEvent): void {
    const type = sseEventType(ev);
    if (type === undefined) return;
    if (TERMINAL.has(type)) {
      const r = objectAt(parseJson(ev.data), 'response');
      if (r !== undefined) this.info = readResponseObject(r);
    } else if (type === 'response.created' && this.model === undefined) {
      const r = objectAt(parseJson(ev.data), 'response');
      this.model = asString(r?.['model']);
      this.id = asString(r?.['id']);
    } else if (type === 'error') {
      const e = asObject(parseJson(ev.data));
      this.errorType = asString(e?.['code']) ?? asString(objectAt(e, 'error')?.['type']) ?? 'error';
    }
  }

  finish(): ResponseInfo {
    const info = this.info ?? { usage: {} };
    return compact({
      ...info,
      model: info.model ?? this.model,
      responseId: info.responseId ?? this.id,
      errorType: info.errorType ?? this.errorType,
    });
  }
}

/** Parser for a Responses API response, streamed or not. */
export function newResponsesResponseParser(opts: ParserOptions): ResponseParser {
  if (isEventStream(opts.contentType)) return sseResponseParser(new ResponsesEventStream());
  return jsonResponseParser(KEYS, readResponseObject);
}

/** The Responses API. */
export const openAiResponses = fixedPathSpec({
  id: 'openai.responses',
  operation: 'responses',
  provider: 'openai',
  errorShape: 'openai',
  modelSource: 'body',
  paths: ['/v1/responses'],
  parseRequestBody: jsonBodyParser(MODEL_AND_STREAM),
  newResponseParser: newResponsesResponseParser,
});
