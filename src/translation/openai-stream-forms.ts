/**
 * An OpenAI Chat Completions response in its other form: a whole `chat.completion` written as the
 * `chat.completion.chunk` stream OpenAI sends for it (with the chunk writer every provider stream
 * is translated with), and a chunk stream assembled into the whole `chat.completion`.
 *
 * Both carry one choice: its text, its function tool calls and its finish reason, under the
 * response's id, `created`, model, `service_tier` and `system_fingerprint`. A response with anything else in it — several choices,
 * log probabilities, a refusal, audio, annotations, a legacy function call, an error in the
 * stream, a stream that never finished — is refused.
 */
import { asCount, asObject, asString, objectAt, parseJson } from '../apis/json-fields.js';
import { type FormConversion, jsonBody, refused, sseEvents } from './form-conversion.js';
import { chatCompletion, type FinishReason, OpenAiChunkWriter, type OpenAiUsage, type ToolCallOut } from './openai-chunks.js';

/** Top-level fields a response and each of its chunks carry besides id, `created` and model. */
const ENVELOPE = ['service_tier', 'system_fingerprint'];

/** The {@link ENVELOPE} fields `top` has. */
function envelopeOf(top: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ENVELOPE) if (top[k] !== undefined) out[k] = top[k];
  return out;
}

const FINISH_REASONS: ReadonlySet<string> = new Set<FinishReason>(['stop', 'length', 'tool_calls', 'content_filter']);

/** True for a value OpenAI writes when a field is empty. */
function unset(v: unknown): boolean {
  return v === undefined || v === null;
}

/** Why `message` (or a delta) holds what this conversion does not carry, or undefined. */
function unsupported(message: Record<string, unknown>): string | undefined {
  if (typeof message['refusal'] === 'string' && message['refusal'] !== '') return 'a refusal';
  if (!unset(message['audio'])) return 'audio';
  if (!unset(message['function_call'])) return 'a legacy function call';
  const annotations = message['annotations'];
  if (!unset(annotations) && !(Array.isArray(annotations) && annotations.length === 0)) return 'annotations';
  return undefined;
}

/** Options of {@link chatCompletionToStream}. */
export interface ChunkStreamOptions {
  /** Write the usage chunk (the request's `stream_options.include_usage`). */
  readonly includeUsage: boolean;
  /** The usage it carries. */
  readonly usage: OpenAiUsage | undefined;
}

/** The chunk stream of the whole `chat.completion` in `body`, `[DONE]` last. */
export function chatCompletionToStream(body: Buffer, opts: ChunkStreamOptions): FormConversion {
  const top = asObject(parseJson(body.toString('utf8')));
  if (top === undefined || top['object'] !== 'chat.completion') return refused('not a chat.completion');
  const choices = top['choices'];
  if (!Array.isArray(choices) || choices.length !== 1) return refused('not exactly one choice');
  const choice = asObject(choices[0]);
  const message = objectAt(choice, 'message');
  if (choice === undefined || message === undefined) return refused('a choice without a message');
  if (!unset(choice['logprobs'])) return refused('log probabilities');
  const why = unsupported(message);
  if (why !== undefined) return refused(why);
  const finish = choice['finish_reason'];
  if (typeof finish !== 'string' || !FINISH_REASONS.has(finish)) return refused(`finish reason ${JSON.stringify(finish)}`);
  const content = message['content'];
  if (!unset(content) && typeof content !== 'string') return refused('content that is not text');
  const calls = unset(message['tool_calls']) ? [] : message['tool_calls'];
  if (!Array.isArray(calls)) return refused('tool calls that are not a list');
  const created = top['created'];
  const w = new OpenAiChunkWriter(asString(top['id']) ?? '', typeof created === 'number' ? created : 0, asString(top['model']) ?? '', envelopeOf(top));
  w.role();
  if (typeof content === 'string') w.text(content);
  for (const [k, raw] of calls.entries()) {
    const call = asObject(raw);
    const fn = objectAt(call, 'function');
    if (call === undefined || fn === undefined || (call['type'] !== undefined && call['type'] !== 'function')) return refused('a tool call that is not a function call');
    const args = fn['arguments'];
    if (typeof call['id'] !== 'string' || typeof fn['name'] !== 'string' || typeof args !== 'string') return refused('a tool call without id, name or arguments');
    w.toolStart(k, call['id'], fn['name']);
    w.toolArguments(k, args);
  }
  w.finish(finish as FinishReason);
  if (opts.includeUsage && opts.usage !== undefined) w.usage(opts.usage);
  return { body: w.take(true) };
}

/** One tool call being assembled. */
interface CallParts {
  id: string;
  name: string;
  arguments: string;
}

/**
 * The whole `chat.completion` of the chunk stream `sse`. Its usage is `usage` when given (what
 * the service read from the original response), else the stream's own usage chunk, if any.
 */
export function streamToChatCompletion(sse: Buffer, usage: OpenAiUsage | undefined): FormConversion {
  let id: string | undefined;
  let created: number | undefined;
  let model: string | undefined;
  let envelope: Record<string, unknown> | undefined;
  let text = '';
  let finish: FinishReason | undefined;
  let streamUsage: OpenAiUsage | undefined;
  const calls: CallParts[] = [];
  for (const e of sseEvents(sse)) {
    if (e.data === '[DONE]') continue;
    const chunk = asObject(parseJson(e.data));
    if (chunk === undefined) return refused('a chunk that is not JSON');
    if (chunk['error'] !== undefined) return refused('an error in the stream');
    id ??= asString(chunk['id']);
    model ??= asString(chunk['model']);
    if (created === undefined && typeof chunk['created'] === 'number') created = chunk['created'];
    envelope ??= envelopeOf(chunk);
    const u = asObject(chunk['usage']);
    if (u !== undefined) streamUsage = usageOfObject(u);
    const choices = chunk['choices'];
    if (!Array.isArray(choices)) continue;
    for (const raw of choices) {
      const choice = asObject(raw);
      if (choice === undefined) return refused('a choice that is not an object');
      if (choice['index'] !== undefined && choice['index'] !== 0) return refused('more than one choice');
      if (!unset(choice['logprobs'])) return refused('log probabilities');
      const delta = objectAt(choice, 'delta') ?? {};
      const why = unsupported(delta);
      if (why !== undefined) return refused(why);
      if (typeof delta['content'] === 'string') text += delta['content'];
      const deltaCalls = delta['tool_calls'];
      if (Array.isArray(deltaCalls)) {
        for (const rawCall of deltaCalls) {
          const call = asObject(rawCall);
          const k = call?.['index'];
          if (call === undefined || typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > calls.length) return refused('a tool call delta without its index');
          const fn = objectAt(call, 'function');
          const parts = (calls[k] ??= { id: '', name: '', arguments: '' });
          if (typeof call['id'] === 'string') parts.id = call['id'];
          if (typeof fn?.['name'] === 'string') parts.name = fn['name'];
          if (typeof fn?.['arguments'] === 'string') parts.arguments += fn['arguments'];
        }
      }
      const reason = choice['finish_reason'];
      if (!unset(reason)) {
        if (typeof reason !== 'string' || !FINISH_REASONS.has(reason)) return refused(`finish reason ${JSON.stringify(reason)}`);
        finish = reason as FinishReason;
      }
    }
  }
  if (finish === undefined) return refused('a stream that did not finish');
  const toolCalls: ToolCallOut[] = calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
  const finalUsage = usage ?? streamUsage;
  return jsonBody(
    chatCompletion({
      id: id ?? '',
      created: created ?? 0,
      model: model ?? '',
      text: text === '' && toolCalls.length > 0 ? null : text,
      toolCalls,
      finish,
      ...(finalUsage !== undefined ? { usage: finalUsage } : {}),
      ...(envelope !== undefined ? { envelope } : {}),
    }),
  );
}

/** {@link OpenAiUsage} of an OpenAI `usage` object. */
function usageOfObject(u: Record<string, unknown>): OpenAiUsage {
  const cached = asCount(objectAt(u, 'prompt_tokens_details')?.['cached_tokens']);
  const reasoning = asCount(objectAt(u, 'completion_tokens_details')?.['reasoning_tokens']);
  const total = asCount(u['total_tokens']);
  return {
    prompt: asCount(u['prompt_tokens']) ?? 0,
    completion: asCount(u['completion_tokens']) ?? 0,
    ...(cached !== undefined ? { cached } : {}),
    ...(reasoning !== undefined ? { reasoning } : {}),
    ...(total !== undefined ? { total } : {}),
  };
}
