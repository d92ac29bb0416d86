/**
 * Anthropic Messages, `POST /v1/messages`, and token counting, `POST /v1/messages/count_tokens`.
 * Model and `stream` in the JSON body; errors in Anthropic's shape. Usage comes from the body,
 * or from `message_start` and `message_delta` stream events (see anthropic-usage.ts).
 * Token counting reports a count for a prompt not run, which is not usage: only errors are read.
 */
import type { ResponseInfo, ResponseParser } from './api.js';
import { AnthropicMessageStream, readAnthropicMessage } from './anthropic-usage.js';
import { MODEL_AND_STREAM, MODEL_ONLY, jsonBodyParser } from './body-facts.js';
import {
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

const KEYS = responseKeys('id', 'model', 'stop_reason', 'usage');

/** Adapts {@link AnthropicMessageStream} to server-sent events. */
class AnthropicSseStream implements StreamHandler<SseEvent> {
  private readonly stream = new AnthropicMessageStream();

  onEvent(ev: SseEvent): void {
    this.stream.onMessageEvent(sseEventType(ev), ev.data);
  }

  get outputTokensSoFar(): number | undefined {
    return this.stream.outputTokensSoFar;
  }

  finish(): ResponseInfo {
    return this.stream.finish();
  }
}

/** Parser for a Messages response (or a Messages stream sent as SSE), streamed or not. */
export function newAnthropicResponseParser(opts: ParserOptions): ResponseParser {
  if (isEventStream(opts.contentType)) return sseResponseParser(new AnthropicSseStream());
  return jsonResponseParser(KEYS, readAnthropicMessage);
}

const ERROR_ONLY = responseKeys();

/** The Messages API. */
export const anthropicMessages = fixedPathSpec({
  id: 'anthropic.messages',
  operation: 'chat',
  provider: 'anthropic',
  errorShape: 'anthropic',
  modelSource: 'body',
  paths: ['/v1/messages'],
  parseRequestBody: jsonBodyParser(MODEL_AND_STREAM),
  newResponseParser: newAnthropicResponseParser,
});

/** The token counting API. */
export const anthropicCountTokens = fixedPathSpec({
  id: 'anthropic.count_tokens',
  operation: 'count_tokens',
  provider: 'anthropic',
  errorShape: 'anthropic',
  modelSource: 'body',
  paths: ['/v1/messages/count_tokens'],
  parseRequestBody: jsonBodyParser(MODEL_ONLY),
  newResponseParser: () => jsonResponseParser(ERROR_ONLY, () => ({ usage: {} })),
});
