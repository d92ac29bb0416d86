/**
 * OpenAI Chat Completions responses rewritten as Anthropic Messages responses, for Anthropic-SDK
 * clients served by OpenAI-compatible servers. Event order follows Anthropic's streaming
 * documentation (https://docs.anthropic.com/en/docs/build-with-claude/streaming):
 * `message_start`, per block `content_block_start` / `content_block_delta` / `content_block_stop`,
 * `message_delta` (stop reason and usage), `message_stop`.
 *
 * OpenAI reports usage last (the request asks for `stream_options.include_usage`), so
 * `message_start` carries zero counts and `message_delta` carries the final ones, input and cache
 * reads included (Anthropic allows any usage field in `message_delta`; the service's Anthropic
 * usage reader overlays them). Usage: input = prompt − cached, cache read = cached, output =
 * completion.
 */
import { asCount, asObject, asString, leadingType, objectAt, parseJson } from '../apis/json-fields.js';
import { anthropicType } from '../apis/error-body.js';
import type { ResponseContext } from './anthropic-to-openai.js';
import type { ProviderEvent } from './provider-events.js';
import { stopOfOpenAi } from './stop-reasons.js';
import { EMPTY } from './openai-chunks.js';
import { openAiTextDelta } from './fast-paths.js';

/** Anthropic `usage` of an OpenAI `usage` object. */
export function anthropicUsageOfOpenAi(raw: unknown): Record<string, number> {
  const u = asObject(raw);
  const prompt = asCount(u?.['prompt_tokens']) ?? 0;
  const details = objectAt(u, 'prompt_tokens_details');
  const cached = asCount(details?.['cached_tokens']) ?? 0;
  const written = asCount(details?.['cache_write_tokens']);
  return {
    input_tokens: Math.max(0, prompt - cached - (written ?? 0)),
    cache_read_input_tokens: cached,
    ...(written !== undefined ? { cache_creation_input_tokens: written } : {}),
    output_tokens: asCount(u?.['completion_tokens']) ?? 0,
  };
}

/** One Messages stream event as SSE text: `event: <type>` and its JSON `data`. */
export function anthropicEvent(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Converts OpenAI chunks into Messages events. */
export class OpenAiToAnthropicStream {
  private out: string[] = [];
  private started = false;
  private ended = false;
  /** Open block: its Anthropic index and kind (text, or the OpenAI tool index). */
  private open: { index: number; tool?: number } | undefined;
  private blocks = 0;
  private stop: string | undefined;
  private usage: Record<string, number> | undefined;
  /** The text of a text delta event of the open block, up to the text literal. */
  private textPrefix = '';

  constructor(private readonly ctx: ResponseContext) {}

  /** Handles one event (one chunk, `[DONE]`, or an error). */
  event(e: ProviderEvent): void {
    if (this.ended) return;
    if (e.error !== undefined) return this.fail(e.error.type, e.error.message, 500);
    if (e.data === '[DONE]') return this.finish();
    if (this.open !== undefined && this.open.tool === undefined) {
      const fast = openAiTextDelta(e.data);
      if (fast !== undefined) {
        if (fast !== '""') this.out.push(`${this.textPrefix}${fast}}}\n\n`);
        return;
      }
    }
    const chunk = asObject(parseJson(e.data));
    if (chunk === undefined) return;
    const err = objectAt(chunk, 'error');
    if (err !== undefined) return this.fail(asString(err['type']) ?? 'api_error', asString(err['message']) ?? 'the provider reported an error', 500);
    this.begin(chunk);
    if (asObject(chunk['usage']) !== undefined) this.usage = anthropicUsageOfOpenAi(chunk['usage']);
    const choices = chunk['choices'];
    const choice = Array.isArray(choices) ? asObject(choices[0]) : undefined;
    if (choice === undefined) return;
    const delta = objectAt(choice, 'delta');
    const text = delta?.['content'];
    if (typeof text === 'string' && text !== '') {
      if (this.open === undefined || this.open.tool !== undefined) this.openBlock({ type: 'text', text: '' });
      this.out.push(anthropicEvent('content_block_delta', { type: 'content_block_delta', index: this.open!.index, delta: { type: 'text_delta', text } }));
    }
    const calls = delta?.['tool_calls'];
    if (Array.isArray(calls)) {
      for (const raw of calls) {
        const call = asObject(raw);
        if (call === undefined) continue;
        const k = asCount(call['index']) ?? 0;
        const fn = objectAt(call, 'function');
        if (this.open?.tool !== k) {
          this.openBlock({ type: 'tool_use', id: asString(call['id']) ?? `toolu_${this.ctx.id}_${k}`, name: asString(fn?.['name']) ?? '', input: {} }, k);
        }
        const args = fn?.['arguments'];
        if (typeof args === 'string' && args !== '') {
          this.out.push(anthropicEvent('content_block_delta', { type: 'content_block_delta', index: this.open!.index, delta: { type: 'input_json_delta', partial_json: args } }));
        }
      }
    }
    const finish = asString(choice['finish_reason']);
    if (finish !== undefined) {
      this.stop = stopOfOpenAi(finish);
      this.closeBlock();
    }
  }

  /** Ends the stream: a stream that ended without `[DONE]` but with a finish reason is finished. */
  end(): void {
    if (!this.ended && this.stop !== undefined) this.finish();
  }

  /** The client bytes written since the last call. */
  take(): Buffer {
    if (this.out.length === 0) return EMPTY;
    const text = this.out.join('');
    this.out = [];
    return Buffer.from(text, 'utf8');
  }

  private begin(chunk: Record<string, unknown>): void {
    if (this.started) return;
    this.started = true;
    const message = {
      id: asString(chunk['id']) ?? this.ctx.id,
      type: 'message',
      role: 'assistant',
      model: asString(chunk['model']) ?? this.ctx.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    this.out.push(anthropicEvent('message_start', { type: 'message_start', message }));
  }

  private openBlock(block: Record<string, unknown>, tool?: number): void {
    this.closeBlock();
    const index = this.blocks++;
    this.open = tool !== undefined ? { index, tool } : { index };
    this.textPrefix = `event: content_block_delta\ndata: {"type":"content_block_delta","index":${index},"delta":{"type":"text_delta","text":`;
    this.out.push(anthropicEvent('content_block_start', { type: 'content_block_start', index, content_block: block }));
  }

  private closeBlock(): void {
    if (this.open === undefined) return;
    this.out.push(anthropicEvent('content_block_stop', { type: 'content_block_stop', index: this.open.index }));
    this.open = undefined;
  }

  private finish(): void {
    if (!this.started) this.begin({});
    this.closeBlock();
    this.out.push(anthropicEvent('message_delta', { type: 'message_delta', delta: { stop_reason: this.stop ?? 'end_turn', stop_sequence: null }, usage: this.usage ?? { output_tokens: 0 } }));
    this.out.push(anthropicEvent('message_stop', { type: 'message_stop' }));
    this.ended = true;
  }

  private fail(type: string, message: string, status: number): void {
    const t = type.endsWith('_error') ? type : anthropicType(status);
    this.out.push(anthropicEvent('error', { type: 'error', error: { type: t, message } }));
    this.ended = true;
  }
}

/** A whole `chat.completion` as a Messages response (undefined when `body` is not one). */
export function openAiToAnthropicMessage(body: unknown, ctx: ResponseContext): Record<string, unknown> | undefined {
  const top = asObject(body);
  const choices = top?.['choices'];
  if (top === undefined || !Array.isArray(choices)) return undefined;
  const choice = asObject(choices[0]);
  const msg = objectAt(choice, 'message');
  const content: Array<Record<string, unknown>> = [];
  if (typeof msg?.['content'] === 'string' && msg['content'] !== '') content.push({ type: 'text', text: msg['content'] });
  const calls = msg?.['tool_calls'];
  if (Array.isArray(calls)) {
    calls.forEach((raw, k) => {
      const call = asObject(raw);
      const fn = objectAt(call, 'function');
      const args = asObject(parseJson(asString(fn?.['arguments']) ?? '{}')) ?? {};
      content.push({ type: 'tool_use', id: asString(call?.['id']) ?? `toolu_${ctx.id}_${k}`, name: asString(fn?.['name']) ?? '', input: args });
    });
  }
  return {
    id: asString(top['id']) ?? ctx.id,
    type: 'message',
    role: 'assistant',
    model: asString(top['model']) ?? ctx.model,
    content,
    stop_reason: stopOfOpenAi(asString(choice?.['finish_reason'])),
    stop_sequence: null,
    usage: anthropicUsageOfOpenAi(top['usage']),
  };
}

/**
 * Rewrites Messages events decoded from a Bedrock InvokeModel stream (the inner event JSON) as
 * Anthropic SSE, the form the Anthropic API and Vertex AI stream in; an exception frame becomes
 * an `error` event.
 */
export class BedrockToAnthropicSse {
  private out: string[] = [];

  /** Handles one event. */
  event(e: ProviderEvent): void {
    if (e.error !== undefined) {
      const type = e.error.type === 'ThrottlingException' || e.error.type === 'throttlingException' ? 'rate_limit_error' : e.error.type.toLowerCase().includes('validation') ? 'invalid_request_error' : 'api_error';
      this.out.push(anthropicEvent('error', { type: 'error', error: { type, message: e.error.message } }));
      return;
    }
    const type = leadingType(e.data) ?? asString(asObject(parseJson(e.data))?.['type']);
    if (type !== undefined) this.out.push(`event: ${type}\ndata: ${e.data}\n\n`);
  }

  /** The client bytes written since the last call. */
  take(): Buffer {
    if (this.out.length === 0) return EMPTY;
    const text = this.out.join('');
    this.out = [];
    return Buffer.from(text, 'utf8');
  }
}
