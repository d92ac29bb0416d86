/**
 * Bedrock Converse responses rewritten as OpenAI Chat Completions responses. Stream events
 * (ConverseStream, decoded from the AWS event stream): `messageStart` → role chunk;
 * `contentBlockStart.start.toolUse` → a `tool_calls` delta with id and name;
 * `contentBlockDelta.delta.text` → `delta.content`; `delta.toolUse.input` → arguments;
 * `messageStop.stopReason` → the finish chunk; `metadata.usage` → the usage chunk and `[DONE]`;
 * an exception frame → an OpenAI error event. Reasoning blocks are not part of the OpenAI answer.
 * Converse responses carry no id: the response id is generated.
 */
import { asCount, asObject, asString, objectAt, parseJson } from '../apis/json-fields.js';
import type { ResponseContext } from './anthropic-to-openai.js';
import { openAiErrorTypeOfAnthropic } from './error-types.js';
import { OpenAiChunkStream } from './openai-chunk-stream.js';
import { chatCompletion, type OpenAiUsage, type ToolCallOut } from './openai-chunks.js';
import type { ProviderEvent } from './provider-events.js';
import { finishOfConverse } from './stop-reasons.js';
import { converseTextDelta } from './fast-paths.js';

/**
 * OpenAI usage of a Converse `usage` object: `inputTokens` excludes cache reads and writes, so
 * prompt = input + cache read + cache write; cached = cache read; cache write when reported.
 */
export function openAiUsageOfConverse(raw: unknown): OpenAiUsage | undefined {
  const u = asObject(raw);
  if (u === undefined) return undefined;
  const read = asCount(u['cacheReadInputTokens']) ?? 0;
  const write = asCount(u['cacheWriteInputTokens']);
  const prompt = (asCount(u['inputTokens']) ?? 0) + read + (write ?? 0);
  const completion = asCount(u['outputTokens']) ?? 0;
  return { prompt, completion, cached: read, ...(write !== undefined ? { cacheWrite: write } : {}), total: asCount(u['totalTokens']) ?? prompt + completion };
}

/** Converts ConverseStream events into OpenAI chunks. */
export class ConverseToOpenAiStream extends OpenAiChunkStream {
  private readonly toolOfBlock = new Map<number, number>();
  private tools = 0;
  private stopped = false;
  private done = false;

  /** Handles one event. */
  event(e: ProviderEvent): void {
    if (this.done) return;
    if (e.error !== undefined) {
      this.w.error(e.error.message, openAiErrorTypeOfAnthropic(e.error.type), e.error.type);
      this.done = true;
      return;
    }
    if (this.started && e.event === 'contentBlockDelta') {
      const fast = converseTextDelta(e.data);
      if (fast !== undefined) {
        this.w.textLiteral(fast);
        return;
      }
    }
    const ev = asObject(parseJson(e.data));
    if (ev === undefined) return;
    switch (e.event) {
      case 'messageStart':
        this.start();
        return;
      case 'contentBlockStart': {
        this.start();
        const tool = objectAt(ev, 'start', 'toolUse');
        if (tool !== undefined) {
          const k = this.tools++;
          this.toolOfBlock.set(asCount(ev['contentBlockIndex']) ?? -1, k);
          this.w.toolStart(k, asString(tool['toolUseId']) ?? `call_${k}`, asString(tool['name']) ?? '');
        }
        return;
      }
      case 'contentBlockDelta': {
        this.start();
        const delta = objectAt(ev, 'delta');
        if (typeof delta?.['text'] === 'string') this.w.text(delta['text']);
        else {
          const input = objectAt(delta, 'toolUse')?.['input'];
          const k = this.toolOfBlock.get(asCount(ev['contentBlockIndex']) ?? -1);
          if (typeof input === 'string' && k !== undefined) this.w.toolArguments(k, input);
        }
        return;
      }
      case 'messageStop':
        this.start();
        this.w.finish(finishOfConverse(asString(ev['stopReason'])));
        this.stopped = true;
        return;
      case 'metadata': {
        const usage = openAiUsageOfConverse(ev['usage']);
        if (usage !== undefined) this.w.usage(usage);
        this.done = true;
        this.finished = true;
        return;
      }
      default:
        return;
    }
  }

  /** Ends the stream: a stream that stopped without `metadata` still gets `[DONE]`. */
  end(): void {
    if (!this.done && this.stopped) {
      this.done = true;
      this.finished = true;
    }
  }
}

/** A whole Converse response as a `chat.completion` (undefined when `body` is not one). */
export function converseToOpenAi(body: unknown, ctx: ResponseContext): Record<string, unknown> | undefined {
  const top = asObject(body);
  const content = objectAt(top, 'output', 'message')?.['content'];
  if (top === undefined || !Array.isArray(content)) return undefined;
  let text: string | null = null;
  const calls: ToolCallOut[] = [];
  for (const raw of content) {
    const block = asObject(raw);
    if (typeof block?.['text'] === 'string') text = (text ?? '') + block['text'];
    const tool = objectAt(block, 'toolUse');
    if (tool !== undefined) {
      calls.push({ id: asString(tool['toolUseId']) ?? `call_${calls.length}`, name: asString(tool['name']) ?? '', arguments: JSON.stringify(tool['input'] ?? {}) });
    }
  }
  const usage = openAiUsageOfConverse(top['usage']);
  return chatCompletion({
    id: ctx.id,
    created: ctx.created,
    model: ctx.model,
    text,
    toolCalls: calls,
    finish: finishOfConverse(asString(top['stopReason'])),
    ...(usage !== undefined ? { usage } : {}),
  });
}
