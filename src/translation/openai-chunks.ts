/**
 * Writes OpenAI Chat Completions stream chunks (`chat.completion.chunk` objects as SSE `data:`
 * lines) and whole `chat.completion` objects, from what a provider stream says. The chunk
 * envelope (`id`, `created`, `model`) is serialised once per response; each delta only
 * serialises its own fields.
 *
 * Usage is written in OpenAI's own form (`prompt_tokens` including cached ones,
 * `prompt_tokens_details.cached_tokens`, `completion_tokens` including reasoning,
 * `completion_tokens_details.reasoning_tokens`), as the final `choices: []` chunk that
 * `stream_options.include_usage` asks for, so the service's OpenAI usage reader finds it.
 * OpenAI's usage has no field for prompt-cache writes: they are counted in `prompt_tokens` and
 * named in `prompt_tokens_details.cache_write_tokens`, the name OpenRouter gives them
 * (https://openrouter.ai/docs/use-cases/usage-accounting), so writes are priced as writes.
 */

/** OpenAI `finish_reason` values. */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** Token counts in OpenAI terms. */
export interface OpenAiUsage {
  /** Prompt tokens, cached ones included. */
  readonly prompt: number;
  readonly completion: number;
  readonly cached?: number;
  /** Prompt tokens written to the provider's prompt cache (included in `prompt`), when it reported them. */
  readonly cacheWrite?: number;
  readonly reasoning?: number;
  /** Total as the provider reported it; default prompt + completion. */
  readonly total?: number;
}

/** The OpenAI `usage` object of `u`. */
export function usageObject(u: OpenAiUsage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    prompt_tokens: u.prompt,
    completion_tokens: u.completion,
    total_tokens: u.total ?? u.prompt + u.completion,
  };
  if (u.cached !== undefined || u.cacheWrite !== undefined) {
    out['prompt_tokens_details'] = { cached_tokens: u.cached ?? 0, ...(u.cacheWrite !== undefined ? { cache_write_tokens: u.cacheWrite } : {}) };
  }
  if (u.reasoning !== undefined) out['completion_tokens_details'] = { reasoning_tokens: u.reasoning };
  return out;
}

const DONE = Buffer.from('data: [DONE]\n\n');
const TEXT_TAIL = Buffer.from('"},"logprobs":null,"finish_reason":null}]}\n\n');

/** Builds the SSE text of one response's chunks. */
export class OpenAiChunkWriter {
  private prefix = '';
  private readonly out: string[] = [];
  /** The bytes of a text delta chunk up to its text, made on first use after each {@link reset}. */
  private textHead: Buffer | undefined;

  /** @param envelope more fields every chunk carries after `model` (`service_tier`, `system_fingerprint`). */
  constructor(id: string, created: number, model: string, envelope?: Readonly<Record<string, unknown>>) {
    this.reset(id, created, model, envelope);
  }

  /** Changes the envelope (once the provider named its response id or model). */
  reset(id: string, created: number, model: string, envelope?: Readonly<Record<string, unknown>>): void {
    const more = envelope === undefined ? '' : Object.entries(envelope).map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`).join('');
    this.prefix = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)}${more},"choices":`;
    this.textHead = undefined;
  }

  /**
   * A whole text delta chunk, as bytes, whose text is `src[start..end)`: bytes that need no
   * escaping inside a JSON string (the caller checked). Same bytes as {@link textLiteralBody}.
   */
  textBytes(src: Buffer, start: number, end: number): Buffer {
    const head = (this.textHead ??= Buffer.from(`${this.prefix}[{"index":0,"delta":{"content":"`, 'utf8'));
    const out = Buffer.allocUnsafe(head.length + (end - start) + TEXT_TAIL.length);
    head.copy(out, 0);
    src.copy(out, head.length, start, end);
    TEXT_TAIL.copy(out, head.length + end - start);
    return out;
  }

  /** First chunk: the assistant role. */
  role(): void {
    this.out.push(`${this.prefix}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`);
  }

  /** A text delta. */
  text(text: string): void {
    if (text === '') return;
    this.out.push(`${this.prefix}[{"index":0,"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}]}\n\n`);
  }

  /** A text delta given as a JSON string literal (copied verbatim). */
  textLiteral(literal: string): void {
    if (literal === '""') return;
    this.out.push(`${this.prefix}[{"index":0,"delta":{"content":${literal}},"logprobs":null,"finish_reason":null}]}\n\n`);
  }

  /** A text delta given as the inside of a JSON string literal (copied verbatim). */
  textLiteralBody(body: string): void {
    if (body === '') return;
    this.out.push(`${this.prefix}[{"index":0,"delta":{"content":"${body}"},"logprobs":null,"finish_reason":null}]}\n\n`);
  }

  /** The start of tool call `index` (its id and name, arguments empty). */
  toolStart(index: number, id: string, name: string): void {
    const call = `{"index":${index},"id":${JSON.stringify(id)},"type":"function","function":{"name":${JSON.stringify(name)},"arguments":""}}`;
    this.out.push(`${this.prefix}[{"index":0,"delta":{"tool_calls":[${call}]},"logprobs":null,"finish_reason":null}]}\n\n`);
  }

  /** More argument text of tool call `index`. */
  toolArguments(index: number, text: string): void {
    if (text === '') return;
    this.out.push(`${this.prefix}[{"index":0,"delta":{"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(text)}}}]},"logprobs":null,"finish_reason":null}]}\n\n`);
  }

  /** The chunk carrying the finish reason. */
  finish(reason: FinishReason): void {
    this.out.push(`${this.prefix}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${reason}"}]}\n\n`);
  }

  /** The usage chunk (`choices: []`). */
  usage(u: OpenAiUsage): void {
    this.out.push(`${this.prefix}[],"usage":${JSON.stringify(usageObject(u))}}\n\n`);
  }

  /** An error event, as OpenAI writes one inside a stream (the SDKs raise it). */
  error(message: string, type: string, code: string | null = null): void {
    this.out.push(`data: ${JSON.stringify({ error: { message, type, param: null, code } })}\n\n`);
  }

  /** Takes what was written since the last call, ending with `[DONE]` when `done`. */
  take(done = false): Buffer {
    const parts = this.out;
    if (parts.length === 0) return done ? DONE : EMPTY;
    const text = Buffer.from(parts.length === 1 ? parts[0]! : parts.join(''), 'utf8');
    parts.length = 0;
    return done ? Buffer.concat([text, DONE]) : text;
  }
}

/** An empty buffer (shared; never written to). */
export const EMPTY = Buffer.alloc(0);

/** One tool call of a whole response. */
export interface ToolCallOut {
  readonly id: string;
  readonly name: string;
  /** Arguments as JSON text. */
  readonly arguments: string;
}

/** A whole `chat.completion` object. */
export function chatCompletion(opts: {
  id: string;
  created: number;
  model: string;
  text: string | null;
  toolCalls: readonly ToolCallOut[];
  finish: FinishReason;
  usage?: OpenAiUsage;
  /** More top-level fields after `model` (`service_tier`, `system_fingerprint`). */
  envelope?: Readonly<Record<string, unknown>>;
}): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: opts.text, refusal: null };
  if (opts.toolCalls.length > 0) {
    message['tool_calls'] = opts.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  }
  return {
    id: opts.id,
    object: 'chat.completion',
    created: opts.created,
    model: opts.model,
    ...opts.envelope,
    choices: [{ index: 0, message, logprobs: null, finish_reason: opts.finish }],
    ...(opts.usage !== undefined ? { usage: usageObject(opts.usage) } : {}),
  };
}
