/**
 * Amazon Bedrock Runtime response reading.
 *
 * - Converse: JSON `{output, stopReason, usage: {inputTokens, outputTokens, totalTokens,
 *   cacheReadInputTokens, cacheWriteInputTokens}, metrics}`. `inputTokens` excludes cache reads
 *   and writes, so input = inputTokens + cacheRead + cacheWrite.
 * - ConverseStream: AWS event stream (`application/vnd.amazon.eventstream`); the `metadata` event
 *   carries `usage`, `messageStop` carries `stopReason`; exceptions arrive as events whose
 *   message type is `exception`.
 * - InvokeModel: the model's native body (Claude: Anthropic Messages; Nova: `usage.inputTokens`…);
 *   Bedrock also reports counts in `x-amzn-bedrock-*-token-count` headers for every model, used
 *   when the body names none.
 * - InvokeModelWithResponseStream: `chunk` events whose payload is `{"bytes": "<base64>"}` of the
 *   model's native stream event; the last one adds `amazon-bedrock-invocationMetrics`.
 * - Errors: the type is in the `x-amzn-errortype` header (`ValidationException:…`), the body is
 *   `{"message": "…"}`.
 */
import type { ResponseInfo, ResponseParser, TokenUsage } from './api.js';
import { AnthropicMessageStream, anthropicTokenUsage, overlayAnthropicUsage } from './anthropic-usage.js';
import { AwsEventStreamParser, type AwsEvent } from './aws-eventstream.js';
import { asCount, asObject, asString, leadingType, objectAt, parseJson, sumCounts } from './json-fields.js';
import { withTotal } from './openai-usage.js';
import { awsTypeName } from './provider-error.js';
import {
  compact,
  eventStreamParser,
  jsonResponseParser,
  responseKeys,
  type ParserOptions,
  type StreamHandler,
} from './response-readers.js';

/** {@link TokenUsage} of a Bedrock `TokenUsage` object (Converse; Nova's native body too). */
export function bedrockUsage(raw: unknown): TokenUsage {
  const u = asObject(raw);
  if (u === undefined) return {};
  const cacheRead = asCount(u['cacheReadInputTokens']) ?? asCount(u['cacheReadInputTokenCount']);
  const cacheWrite = asCount(u['cacheWriteInputTokens']) ?? asCount(u['cacheWriteInputTokenCount']);
  return withTotal({
    input: sumCounts(asCount(u['inputTokens']), cacheRead, cacheWrite),
    cachedInput: cacheRead,
    cacheCreationInput: cacheWrite,
    output: asCount(u['outputTokens']),
    total: asCount(u['totalTokens']),
  });
}

/** {@link TokenUsage} of `amazon-bedrock-invocationMetrics` (streamed InvokeModel). */
export function invocationMetricsUsage(raw: unknown): TokenUsage {
  const m = asObject(raw);
  if (m === undefined) return {};
  const cacheRead = asCount(m['cacheReadInputTokenCount']);
  const cacheWrite = asCount(m['cacheWriteInputTokenCount']);
  return withTotal({
    input: sumCounts(asCount(m['inputTokenCount']), cacheRead, cacheWrite),
    cachedInput: cacheRead,
    cacheCreationInput: cacheWrite,
    output: asCount(m['outputTokenCount']),
  });
}

/** {@link TokenUsage} of the `x-amzn-bedrock-*-token-count` response headers. */
export function headerUsage(headers: Readonly<Record<string, string>> | undefined): TokenUsage {
  if (headers === undefined) return {};
  const count = (name: string): number | undefined => {
    const v = headers[name];
    if (v === undefined || !/^\s*\d+\s*$/.test(v)) return undefined;
    return Number(v);
  };
  const cacheRead = count('x-amzn-bedrock-cache-read-input-token-count');
  const cacheWrite = count('x-amzn-bedrock-cache-write-input-token-count');
  return withTotal({
    input: sumCounts(count('x-amzn-bedrock-input-token-count'), cacheRead, cacheWrite),
    cachedInput: cacheRead,
    cacheCreationInput: cacheWrite,
    output: count('x-amzn-bedrock-output-token-count'),
  });
}

/** Error type named by the `x-amzn-errortype` header, if any. */
export function headerErrorType(headers: Readonly<Record<string, string>> | undefined): string | undefined {
  const raw = headers?.['x-amzn-errortype'];
  return raw ? awsTypeName(raw) : undefined;
}

function isEmpty(u: TokenUsage): boolean {
  return Object.keys(u).length === 0;
}

function withHeaderError(info: ResponseInfo, opts: ParserOptions): ResponseInfo {
  const errorType = headerErrorType(opts.headers);
  return errorType === undefined ? info : { ...info, errorType };
}

function isAwsEventStream(contentType: string): boolean {
  return /^\s*application\/vnd\.amazon\.eventstream/i.test(contentType);
}

/** Wraps a parser so the `x-amzn-errortype` header, when present, names the error. */
function headerErrors(parser: ResponseParser, opts: ParserOptions): ResponseParser {
  return {
    push: (chunk) => parser.push(chunk),
    get outputTokensSoFar() {
      return parser.outputTokensSoFar;
    },
    end: () => withHeaderError(parser.end(), opts),
  };
}

/**
 * Base of the Bedrock stream handlers: an exception (or error) message names the error type,
 * events go to {@link BedrockEventStream.onStreamEvent}.
 */
abstract class BedrockEventStream implements StreamHandler<AwsEvent> {
  protected stopReason: string | undefined;
  protected errorType: string | undefined;

  onEvent(ev: AwsEvent): void {
    const kind = ev.messageType ?? 'event';
    if (kind !== 'event') {
      this.errorType = ev.exceptionType ?? ev.eventType ?? kind;
      return;
    }
    this.onStreamEvent(ev);
  }

  /** Handles a message of type `event`. */
  protected abstract onStreamEvent(ev: AwsEvent): void;

  abstract finish(): ResponseInfo;
}

// ---- Converse ----------------------------------------------------------------------------------

const CONVERSE_KEYS = responseKeys('usage', 'stopReason', 'message');

/** Facts of a Converse response body. */
export function readConverseJson(top: Readonly<Record<string, unknown>>): ResponseInfo {
  return compact({ usage: bedrockUsage(top['usage']), finishReason: asString(top['stopReason']) });
}

/** Follows ConverseStream events. */
class ConverseEventStream extends BedrockEventStream {
  private usage: TokenUsage = {};

  protected onStreamEvent(ev: AwsEvent): void {
    if (ev.eventType === 'metadata') {
      this.usage = bedrockUsage(objectAt(parsePayload(ev.payload), 'usage'));
    } else if (ev.eventType === 'messageStop') {
      this.stopReason = asString(asObject(parsePayload(ev.payload))?.['stopReason']) ?? this.stopReason;
    }
  }

  get outputTokensSoFar(): number | undefined {
    return this.usage.output;
  }

  finish(): ResponseInfo {
    return compact({ usage: this.usage, finishReason: this.stopReason, errorType: this.errorType });
  }
}

/** Parser for a Converse or ConverseStream response. */
export function newConverseResponseParser(opts: ParserOptions): ResponseParser {
  if (isAwsEventStream(opts.contentType)) {
    return headerErrors(eventStreamParser(new AwsEventStreamParser(), new ConverseEventStream()), opts);
  }
  return headerErrors(jsonResponseParser(CONVERSE_KEYS, readConverseJson), opts);
}

// ---- InvokeModel -------------------------------------------------------------------------------

const INVOKE_KEYS = responseKeys('id', 'model', 'usage', 'stop_reason', 'stopReason');

/** Facts of a model-native InvokeModel body, with header counts as the fallback. */
function readInvokeJson(top: Readonly<Record<string, unknown>>, headers: ParserOptions['headers']): ResponseInfo {
  const usageObj = asObject(top['usage']);
  let usage: TokenUsage = {};
  if (usageObj !== undefined) {
    usage = 'inputTokens' in usageObj || 'outputTokens' in usageObj ? bedrockUsage(usageObj) : anthropicTokenUsage(overlayAnthropicUsage(usageObj));
  }
  if (isEmpty(usage)) usage = headerUsage(headers);
  return compact({
    usage,
    model: asString(top['model']),
    responseId: asString(top['id']),
    finishReason: asString(top['stop_reason']) ?? asString(top['stopReason']),
  });
}

/** Follows InvokeModelWithResponseStream chunks (Claude's native events, any model's metrics). */
class InvokeEventStream extends BedrockEventStream {
  private readonly anthropic = new AnthropicMessageStream();
  private metricsUsage: TokenUsage = {};

  protected onStreamEvent(ev: AwsEvent): void {
    if (ev.eventType !== undefined && ev.eventType !== 'chunk') return;
    const bytes = asString(asObject(parsePayload(ev.payload))?.['bytes']);
    if (bytes === undefined) return;
    const inner = Buffer.from(bytes, 'base64').toString('utf8');
    const type = leadingType(inner);
    if (type !== undefined) this.anthropic.onMessageEvent(type, inner);
    if (inner.includes('"amazon-bedrock-invocationMetrics"')) {
      const obj = asObject(parseJson(inner));
      this.metricsUsage = invocationMetricsUsage(obj?.['amazon-bedrock-invocationMetrics']);
      this.stopReason ??= asString(obj?.['stopReason']) ?? asString(obj?.['stop_reason']);
    }
  }

  get outputTokensSoFar(): number | undefined {
    return this.anthropic.outputTokensSoFar ?? this.metricsUsage.output;
  }

  finish(): ResponseInfo {
    const claude = this.anthropic.finish();
    return compact({
      ...claude,
      usage: this.anthropic.hasUsage ? claude.usage : this.metricsUsage,
      finishReason: claude.finishReason ?? this.stopReason,
      errorType: claude.errorType ?? this.errorType,
    });
  }
}

/** Parser for an InvokeModel or InvokeModelWithResponseStream response. */
export function newInvokeResponseParser(opts: ParserOptions): ResponseParser {
  if (isAwsEventStream(opts.contentType)) {
    return headerErrors(eventStreamParser(new AwsEventStreamParser(), new InvokeEventStream()), opts);
  }
  return headerErrors(jsonResponseParser(INVOKE_KEYS, (top) => readInvokeJson(top, opts.headers)), opts);
}

function parsePayload(payload: Uint8Array): unknown {
  return parseJson(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
}
