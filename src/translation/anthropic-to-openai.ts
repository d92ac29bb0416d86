/**
 * Anthropic Messages responses (Anthropic API, Claude on Vertex AI, Claude on Bedrock
 * InvokeModel) rewritten as OpenAI Chat Completions responses: a whole message as a
 * `chat.completion`, a stream of Messages events as `chat.completion.chunk` SSE.
 *
 * Stream mapping: `message_start` → role chunk (id and model taken from the message);
 * `text_delta` → `delta.content`; a `tool_use` block start → a `tool_calls` delta with id and
 * name; `input_json_delta` → `tool_calls[].function.arguments`; `message_delta` → stop reason
 * and cumulative usage; `message_stop` → the finish chunk, the usage chunk and `[DONE]`; an
 * `error` event → an OpenAI error event. Thinking blocks are not part of the OpenAI answer.
 */
import { type AnthropicCounts, overlayAnthropicUsage } from '../apis/anthropic-usage.js';
import { asObject, asString, leadingType, objectAt, parseJson } from '../apis/json-fields.js';
import type { ProviderEvent } from './provider-events.js';
import { OpenAiChunkStream } from './openai-chunk-stream.js';
import { chatCompletion, type OpenAiUsage, type ToolCallOut } from './openai-chunks.js';
import { finishOfAnthropic } from './stop-reasons.js';
import { openAiErrorTypeOfAnthropic } from './error-types.js';
import { anthropicTextDelta, anthropicTextEventAt } from './fast-paths.js';

const SPAN = new Int32Array(3);

/**
 * OpenAI usage of Anthropic counts (prompt = input + cache read + cache write; cached = cache
 * read; cache write when reported).
 */
export function openAiUsageOfAnthropic(c: AnthropicCounts): OpenAiUsage {
  return {
    prompt: (c.input ?? 0) + (c.cacheRead ?? 0) + (c.cacheCreation ?? 0),
    completion: c.output ?? 0,
    cached: c.cacheRead ?? 0,
    ...(c.cacheCreation !== undefined ? { cacheWrite: c.cacheCreation } : {}),
  };
}

/** Context a converter needs from the request. */
export interface ResponseContext {
  /** Model the target was asked for (used until the provider names its own). */
  readonly model: string;
  /** Seconds since the epoch for `created`. */
  readonly created: number;
  /** A fallback response id. */
  readonly id: string;
}

/** Converts a stream of Messages events into OpenAI chunks. */
export class AnthropicToOpenAiStream extends OpenAiChunkStream {
  private readonly counts: AnthropicCounts = {};
  private stopReason: string | undefined;
  /** Tool index (OpenAI) of each open content block index (Anthropic) that is a tool call. */
  private readonly toolOfBlock = new Map<number, number>();
  private tools = 0;
  private done = false;

  constructor(private readonly ctx: ResponseContext) {
    super(ctx);
  }

  /** Byte-level fast path over whole ASCII text-delta events (see {@link StreamConverter.fast}). */
  fast(chunk: Buffer, from: number, out: Buffer[]): number {
    if (!this.started || this.done) return from;
    let at = from;
    while (anthropicTextEventAt(chunk, at, SPAN)) {
      if (SPAN[1]! > SPAN[0]!) out.push(this.w.textBytes(chunk, SPAN[0]!, SPAN[1]!));
      at = SPAN[2]!;
    }
    return at;
  }

  /** Handles one event. */
  event(e: ProviderEvent): void {
    if (this.done) return;
    if (e.error !== undefined) {
      this.w.error(e.error.message, openAiErrorTypeOfAnthropic(e.error.type), e.error.type);
      this.done = true;
      return;
    }
    const type = e.event ?? leadingType(e.data);
    if (type === 'ping' || type === 'content_block_stop') return;
    if (this.started && (type === 'content_block_delta' || type === undefined)) {
      const fast = anthropicTextDelta(e.data);
      if (fast !== undefined) {
        this.w.textLiteralBody(fast);
        return;
      }
    }
    const ev = asObject(parseJson(e.data));
    if (ev === undefined) return;
    switch (type ?? ev['type']) {
      case 'message_start': {
        const msg = objectAt(ev, 'message');
        this.w.reset(asString(msg?.['id']) ?? this.ctx.id, this.ctx.created, asString(msg?.['model']) ?? this.ctx.model);
        overlayAnthropicUsage(msg?.['usage'], this.counts);
        this.start();
        return;
      }
      case 'content_block_start': {
        this.start();
        const block = objectAt(ev, 'content_block');
        const index = typeof ev['index'] === 'number' ? ev['index'] : -1;
        if (block?.['type'] === 'tool_use') {
          const k = this.tools++;
          this.toolOfBlock.set(index, k);
          this.w.toolStart(k, asString(block['id']) ?? `call_${k}`, asString(block['name']) ?? '');
        } else if (block?.['type'] === 'text') {
          this.w.text(typeof block['text'] === 'string' ? block['text'] : '');
        }
        return;
      }
      case 'content_block_delta': {
        this.start();
        const delta = objectAt(ev, 'delta');
        if (delta?.['type'] === 'text_delta' && typeof delta['text'] === 'string') this.w.text(delta['text']);
        else if (delta?.['type'] === 'input_json_delta' && typeof delta['partial_json'] === 'string') {
          const k = this.toolOfBlock.get(typeof ev['index'] === 'number' ? ev['index'] : -1);
          if (k !== undefined) this.w.toolArguments(k, delta['partial_json']);
        }
        return;
      }
      case 'message_delta':
        this.stopReason = asString(objectAt(ev, 'delta')?.['stop_reason']) ?? this.stopReason;
        overlayAnthropicUsage(ev['usage'], this.counts);
        return;
      case 'message_stop':
        this.start();
        this.w.finish(finishOfAnthropic(this.stopReason));
        this.w.usage(openAiUsageOfAnthropic(this.counts));
        this.done = true;
        this.finished = true;
        return;
      case 'error': {
        const err = objectAt(ev, 'error');
        const t = asString(err?.['type']) ?? 'api_error';
        this.w.error(asString(err?.['message']) ?? 'the provider reported an error', openAiErrorTypeOfAnthropic(t), t);
        this.done = true;
        return;
      }
      default:
        return;
    }
  }
}

/** A whole Messages response as a `chat.completion` (undefined when `body` is not a message). */
export function anthropicMessageToOpenAi(body: unknown, ctx: ResponseContext): Record<string, unknown> | undefined {
  const msg = asObject(body);
  if (msg === undefined || !Array.isArray(msg['content'])) return undefined;
  let text: string | null = null;
  const calls: ToolCallOut[] = [];
  for (const raw of msg['content']) {
    const block = asObject(raw);
    if (block?.['type'] === 'text' && typeof block['text'] === 'string') text = (text ?? '') + block['text'];
    else if (block?.['type'] === 'tool_use') {
      calls.push({ id: asString(block['id']) ?? `call_${calls.length}`, name: asString(block['name']) ?? '', arguments: JSON.stringify(block['input'] ?? {}) });
    }
  }
  return chatCompletion({
    id: asString(msg['id']) ?? ctx.id,
    created: ctx.created,
    model: asString(msg['model']) ?? ctx.model,
    text,
    toolCalls: calls,
    finish: finishOfAnthropic(asString(msg['stop_reason'])),
    usage: openAiUsageOfAnthropic(overlayAnthropicUsage(msg['usage'])),
  });
}
