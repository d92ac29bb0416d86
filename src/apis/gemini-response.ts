/**
 * Gemini `GenerateContentResponse` reading, shared by the Gemini API and Vertex AI.
 *
 * `usageMetadata`: `promptTokenCount` (cached content included), `cachedContentTokenCount`,
 * `toolUsePromptTokenCount`, `candidatesTokenCount`, `thoughtsTokenCount`, `totalTokenCount`.
 * Mapped as input = prompt + tool-use prompt, cachedInput = cached content,
 * output = candidates + thoughts, reasoning = thoughts, total = totalTokenCount.
 *
 * Streams (`streamGenerateContent`) come as SSE (`alt=sse`) or as one JSON array whose elements
 * arrive over time; every chunk is a `GenerateContentResponse`, and the last one carrying
 * `usageMetadata` has the totals. Chunks are kept as text and parsed only when needed.
 */
import type { ResponseInfo, ResponseParser, TokenUsage } from './api.js';
import { asCount, asObject, asString, firstIndexZeroString, parseJson, sumCounts } from './json-fields.js';
import { JsonArraySplitter } from './json-array-stream.js';
import { withTotal } from './openai-usage.js';
import { errorTypeOf } from './provider-error.js';
import {
  compact,
  eventStreamParser,
  isEventStream,
  jsonResponseParser,
  responseKeys,
  sniffingParser,
  sseResponseParser,
  type ParserOptions,
  type StreamHandler,
} from './response-readers.js';
import type { SseEvent } from './sse.js';

/** {@link TokenUsage} of a Gemini `usageMetadata` object. */
export function geminiUsage(raw: unknown): TokenUsage {
  const u = asObject(raw);
  if (u === undefined) return {};
  const thoughts = asCount(u['thoughtsTokenCount']);
  return withTotal({
    input: sumCounts(asCount(u['promptTokenCount']), asCount(u['toolUsePromptTokenCount'])),
    cachedInput: asCount(u['cachedContentTokenCount']),
    output: sumCounts(asCount(u['candidatesTokenCount']), thoughts),
    reasoning: thoughts,
    total: asCount(u['totalTokenCount']),
  });
}

/** `finishReason` of the candidate with index 0 (an absent index means 0). */
export function firstCandidateFinish(candidates: unknown): string | undefined {
  return firstIndexZeroString(candidates, 'finishReason');
}

/** Facts of one whole `GenerateContentResponse` (top-level fields). */
export function readGenerateContent(top: Readonly<Record<string, unknown>>): ResponseInfo {
  return compact({
    usage: geminiUsage(top['usageMetadata']),
    model: asString(top['modelVersion']),
    responseId: asString(top['responseId']),
    finishReason: firstCandidateFinish(top['candidates']),
  });
}

const KEYS = responseKeys('candidates', 'usageMetadata', 'modelVersion', 'responseId');
const ERROR = /^\s*\{\s*"error"\s*:/;

/** Follows a stream of `GenerateContentResponse` chunk texts. */
export class GeminiChunkStream implements StreamHandler<string> {
  private model: string | undefined;
  private responseId: string | undefined;
  private heads = 0;
  private usageText: string | undefined;
  private parsedUsageText: string | undefined;
  private parsedUsage: TokenUsage = {};
  private finishText: string | undefined;
  private errorType: string | undefined;

  onEvent(text: string): void {
    if (this.model === undefined && this.heads < 4) {
      this.heads++;
      const chunk = asObject(parseJson(text));
      this.model = asString(chunk?.['modelVersion']);
      this.responseId ??= asString(chunk?.['responseId']);
    }
    if (text.includes('"usageMetadata"')) this.usageText = text;
    if (text.includes('"finishReason"')) this.finishText = text;
    if (ERROR.test(text)) this.errorType = errorTypeOf(parseJson(text)) ?? 'error';
  }

  get outputTokensSoFar(): number | undefined {
    return this.usage().output;
  }

  finish(): ResponseInfo {
    const finishChunk = this.finishText === undefined ? undefined : asObject(parseJson(this.finishText));
    return compact({
      usage: this.usage(),
      model: this.model,
      responseId: this.responseId,
      finishReason: firstCandidateFinish(finishChunk?.['candidates']),
      errorType: this.errorType,
    });
  }

  private usage(): TokenUsage {
    if (this.usageText !== this.parsedUsageText && this.usageText !== undefined) {
      this.parsedUsage = geminiUsage(asObject(parseJson(this.usageText))?.['usageMetadata']);
      this.parsedUsageText = this.usageText;
    }
    return this.parsedUsage;
  }
}

/** Adapts {@link GeminiChunkStream} to server-sent events. */
class GeminiSseStream implements StreamHandler<SseEvent> {
  private readonly chunks = new GeminiChunkStream();

  onEvent(ev: SseEvent): void {
    if (ev.data.length > 0) this.chunks.onEvent(ev.data);
  }

  get outputTokensSoFar(): number | undefined {
    return this.chunks.outputTokensSoFar;
  }

  finish(): ResponseInfo {
    return this.chunks.finish();
  }
}

/**
 * Parser for a generateContent / streamGenerateContent response: SSE, a streamed JSON array
 * (recognised by its first byte, whatever the content type says), or one JSON object.
 */
export function newGenerateContentParser(opts: ParserOptions): ResponseParser {
  if (isEventStream(opts.contentType)) return sseResponseParser(new GeminiSseStream());
  return sniffingParser((first) =>
    first === 0x5b
      ? eventStreamParser(new JsonArraySplitter(), new GeminiChunkStream())
      : jsonResponseParser(KEYS, readGenerateContent),
  );
}

const ERROR_ONLY = responseKeys();
const EMBED_KEYS = responseKeys('usageMetadata');

/** Parser for responses that carry no usage we record (countTokens): errors only. */
export function newErrorOnlyParser(): ResponseParser {
  return jsonResponseParser(ERROR_ONLY, () => ({ usage: {} }));
}

/** Parser for embedContent / batchEmbedContents responses (usage when the API reports it). */
export function newEmbedContentParser(): ResponseParser {
  return jsonResponseParser(EMBED_KEYS, (top) => ({ usage: geminiUsage(top['usageMetadata']) }));
}
