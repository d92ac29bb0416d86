/**
 * Response readers shared by OpenAI Chat Completions, legacy Completions and their Azure
 * deployments: a whole JSON body, or an SSE stream of `chat.completion.chunk` /
 * `text_completion` objects ending with `data: [DONE]`.
 *
 * Streams are cheap to follow: a chunk's JSON is parsed only when a substring check says it can
 * carry something we need (the first chunks for `id`/`model`, `"finish_reason":"…"`, an error);
 * the final usage chunk (`stream_options.include_usage`) is kept as text and parsed once at the end.
 */
import type { ResponseInfo, ResponseParser } from './api.js';
import { asObject, asString, firstIndexZeroString, parseJson } from './json-fields.js';
import { promptFamilyUsage } from './openai-usage.js';
import { errorTypeOf } from './provider-error.js';
import {
  compact,
  isEventStream,
  jsonResponseParser,
  responseKeys,
  sseResponseParser,
  type ParserOptions,
  type StreamHandler,
} from './response-readers.js';
import type { SseEvent } from './sse.js';

const KEYS = responseKeys('id', 'model', 'choices', 'usage');

/** Parser for a Chat Completions / Completions response, streamed or not. */
export function newCompletionResponseParser(opts: ParserOptions): ResponseParser {
  if (isEventStream(opts.contentType)) return sseResponseParser(new CompletionChunkStream());
  return jsonResponseParser(KEYS, readCompletionJson);
}

/** Facts of a whole Chat Completions / Completions body. */
export function readCompletionJson(top: Readonly<Record<string, unknown>>): ResponseInfo {
  return compact({
    usage: promptFamilyUsage(top['usage']),
    model: asString(top['model']),
    responseId: asString(top['id']),
    finishReason: firstChoiceFinish(top['choices']),
  });
}

/** `finish_reason` of the choice with index 0 (or the first listed one without an index). */
export function firstChoiceFinish(choices: unknown): string | undefined {
  return firstIndexZeroString(choices, 'finish_reason');
}

const USAGE = /"usage"\s*:\s*\{/;
const FINISH = /"finish_reason"\s*:\s*"/;
const ERROR = /^\s*\{\s*"error"\s*:/;
/** Chunks parsed at most while looking for `id` and `model` (Azure sends an empty first chunk). */
const HEAD_CHUNKS = 4;

/** Follows a stream of completion chunks. */
class CompletionChunkStream implements StreamHandler<SseEvent> {
  private model: string | undefined;
  private id: string | undefined;
  private headParsed = 0;
  private finishReason: string | undefined;
  private usageData: string | undefined;
  private errorType: string | undefined;

  onEvent(ev: SseEvent): void {
    const d = ev.data;
    if (d.length === 0 || d === '[DONE]') return;
    if ((this.model === undefined || this.id === undefined) && this.headParsed < HEAD_CHUNKS) {
      this.headParsed++;
      const chunk = asObject(parseJson(d));
      this.model ??= asString(chunk?.['model']);
      this.id ??= asString(chunk?.['id']);
    }
    if (d.includes('"usage"') && USAGE.test(d)) this.usageData = d;
    if (this.finishReason === undefined && d.includes('"finish_reason"') && FINISH.test(d)) {
      this.finishReason = firstChoiceFinish(asObject(parseJson(d))?.['choices']);
    }
    if (ev.event === 'error' || ERROR.test(d)) this.errorType ??= errorTypeOf(parseJson(d)) ?? 'error';
  }

  finish(): ResponseInfo {
    const last = this.usageData === undefined ? undefined : asObject(parseJson(this.usageData));
    return compact({
      usage: promptFamilyUsage(last?.['usage']),
      model: this.model ?? asString(last?.['model']),
      responseId: this.id ?? asString(last?.['id']),
      finishReason: this.finishReason,
      errorType: this.errorType,
    });
  }
}
