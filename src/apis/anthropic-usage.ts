/**
 * Anthropic Messages usage and stream events, shared by the Anthropic API, Claude on Bedrock
 * (InvokeModel bodies) and Claude on Vertex AI (rawPredict bodies).
 *
 * Usage fields: `input_tokens` (not cached), `cache_read_input_tokens`,
 * `cache_creation_input_tokens`, `output_tokens`. In a stream, `message_start` carries
 * `message.usage` and each `message_delta` carries cumulative `usage`; any field may appear on
 * either, so later values overlay earlier ones.
 */
import type { ResponseInfo, TokenUsage } from './api.js';
import { asCount, asObject, asString, leadingType, objectAt, parseJson, sumCounts } from './json-fields.js';
import { withTotal } from './openai-usage.js';
import { errorTypeOf } from './provider-error.js';
import { compact } from './response-readers.js';

/** Raw Anthropic counts, as reported. */
export interface AnthropicCounts {
  input?: number;
  cacheRead?: number;
  cacheCreation?: number;
  output?: number;
}

/** Overlays the counts present in an Anthropic `usage` object onto `into` (nulls are skipped). */
export function overlayAnthropicUsage(raw: unknown, into: AnthropicCounts = {}): AnthropicCounts {
  const u = asObject(raw);
  if (u === undefined) return into;
  const input = asCount(u['input_tokens']);
  const cacheRead = asCount(u['cache_read_input_tokens']);
  const cacheCreation = asCount(u['cache_creation_input_tokens']);
  const output = asCount(u['output_tokens']);
  if (input !== undefined) into.input = input;
  if (cacheRead !== undefined) into.cacheRead = cacheRead;
  if (cacheCreation !== undefined) into.cacheCreation = cacheCreation;
  if (output !== undefined) into.output = output;
  return into;
}

/**
 * {@link TokenUsage} of Anthropic counts: input = input + cache read + cache creation,
 * cachedInput = cache read, cacheCreationInput = cache creation, output = output.
 */
export function anthropicTokenUsage(c: AnthropicCounts): TokenUsage {
  return withTotal({
    input: sumCounts(c.input, c.cacheRead, c.cacheCreation),
    cachedInput: c.cacheRead,
    cacheCreationInput: c.cacheCreation,
    output: c.output,
  });
}

/** Facts of a whole Messages response body (top-level fields). */
export function readAnthropicMessage(top: Readonly<Record<string, unknown>>): ResponseInfo {
  return compact({
    usage: anthropicTokenUsage(overlayAnthropicUsage(top['usage'])),
    model: asString(top['model']),
    responseId: asString(top['id']),
    finishReason: asString(top['stop_reason']),
  });
}

/**
 * Follows Messages stream events given as (type, JSON text). Only `message_start`,
 * `message_delta` and `error` events are parsed; content deltas and pings are skipped by type.
 */
export class AnthropicMessageStream {
  private readonly counts: AnthropicCounts = {};
  private model: string | undefined;
  private id: string | undefined;
  private stopReason: string | undefined;
  private errorType: string | undefined;
  private sawUsage = false;

  /** Handles one event; `type` may be undefined when the transport does not name it. */
  onMessageEvent(type: string | undefined, data: string): void {
    const t = type ?? leadingType(data);
    if (t === 'message_start') {
      const message = objectAt(parseJson(data), 'message');
      this.model ??= asString(message?.['model']);
      this.id ??= asString(message?.['id']);
      this.takeUsage(message?.['usage']);
    } else if (t === 'message_delta') {
      const ev = asObject(parseJson(data));
      this.stopReason = asString(objectAt(ev, 'delta')?.['stop_reason']) ?? this.stopReason;
      this.takeUsage(ev?.['usage']);
    } else if (t === 'error') {
      this.errorType = errorTypeOf(parseJson(data)) ?? 'error';
    }
  }

  /** Output tokens reported so far (cumulative). */
  get outputTokensSoFar(): number | undefined {
    return this.counts.output;
  }

  /** True once any usage was seen. */
  get hasUsage(): boolean {
    return this.sawUsage;
  }

  /** What the stream told. */
  finish(): ResponseInfo {
    return compact({
      usage: anthropicTokenUsage(this.counts),
      model: this.model,
      responseId: this.id,
      finishReason: this.stopReason,
      errorType: this.errorType,
    });
  }

  private takeUsage(raw: unknown): void {
    if (asObject(raw) === undefined) return;
    this.sawUsage = true;
    overlayAnthropicUsage(raw, this.counts);
  }
}
