/**
 * Gemini `GenerateContentResponse`s (whole, or one per SSE event with `alt=sse`) rewritten as
 * OpenAI Chat Completions responses. Only the first candidate is translated (requests with
 * `n` > 1 are refused). Text parts → `delta.content` (parts marked `thought` are left out);
 * `functionCall` parts → a whole tool call (Gemini sends arguments in one piece; the id is the
 * part's `id` when Gemini gives one, else generated); `finishReason` → the finish chunk;
 * `usageMetadata` (cumulative) → the usage chunk at the end of the stream, then `[DONE]`.
 * Usage: prompt = `promptTokenCount` + `toolUsePromptTokenCount`, cached =
 * `cachedContentTokenCount`, completion = `candidatesTokenCount` + `thoughtsTokenCount`,
 * reasoning = `thoughtsTokenCount`, total = `totalTokenCount`.
 */
import { asCount, asObject, asString, objectAt, parseJson } from '../apis/json-fields.js';
import type { ResponseContext } from './anthropic-to-openai.js';
import { OpenAiChunkStream } from './openai-chunk-stream.js';
import { chatCompletion, type FinishReason, type OpenAiUsage, type ToolCallOut } from './openai-chunks.js';
import type { ProviderEvent } from './provider-events.js';
import { finishOfGemini } from './stop-reasons.js';
import { geminiTextDelta } from './fast-paths.js';

/** OpenAI usage of a Gemini `usageMetadata` object. */
export function openAiUsageOfGemini(raw: unknown): OpenAiUsage | undefined {
  const u = asObject(raw);
  if (u === undefined) return undefined;
  const prompt = (asCount(u['promptTokenCount']) ?? 0) + (asCount(u['toolUsePromptTokenCount']) ?? 0);
  const thoughts = asCount(u['thoughtsTokenCount']);
  const completion = (asCount(u['candidatesTokenCount']) ?? 0) + (thoughts ?? 0);
  return {
    prompt,
    completion,
    cached: asCount(u['cachedContentTokenCount']) ?? 0,
    ...(thoughts !== undefined ? { reasoning: thoughts } : {}),
    total: asCount(u['totalTokenCount']) ?? prompt + completion,
  };
}

interface CandidateParts {
  readonly text: string;
  readonly calls: Array<{ id?: string; name: string; args: unknown }>;
  readonly finishReason?: string;
}

function firstCandidate(resp: Record<string, unknown>): CandidateParts | undefined {
  const list = resp['candidates'];
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const cand = asObject(list[0]);
  if (cand === undefined) return undefined;
  let text = '';
  const calls: CandidateParts['calls'] = [];
  const parts = objectAt(cand, 'content')?.['parts'];
  if (Array.isArray(parts)) {
    for (const raw of parts) {
      const part = asObject(raw);
      if (part === undefined || part['thought'] === true) continue;
      if (typeof part['text'] === 'string') text += part['text'];
      const call = objectAt(part, 'functionCall');
      if (call !== undefined) {
        const id = asString(call['id']);
        calls.push({ ...(id !== undefined ? { id } : {}), name: asString(call['name']) ?? '', args: call['args'] ?? {} });
      }
    }
  }
  const finishReason = asString(cand['finishReason']);
  return { text, calls, ...(finishReason !== undefined ? { finishReason } : {}) };
}

/** Converts Gemini stream responses into OpenAI chunks. */
export class GeminiToOpenAiStream extends OpenAiChunkStream {
  private tools = 0;
  private finish: FinishReason | undefined;
  /** The latest `usageMetadata` (cumulative): parsed, or the text of the event holding it. */
  private usage: OpenAiUsage | undefined;
  private usageText: string | undefined;
  private done = false;

  constructor(private readonly ctx: ResponseContext) {
    super(ctx);
  }

  /** Handles one event (one `GenerateContentResponse`). */
  event(e: ProviderEvent): void {
    if (this.done) return;
    if (e.error !== undefined) {
      this.w.error(e.error.message, 'server_error', e.error.type);
      this.done = true;
      return;
    }
    if (this.started) {
      const fast = geminiTextDelta(e.data);
      if (fast !== undefined) {
        this.w.textLiteral(fast);
        if (e.data.includes('"usageMetadata"')) this.usageText = e.data;
        return;
      }
    }
    const resp = asObject(parseJson(e.data));
    if (resp === undefined) return;
    const err = objectAt(resp, 'error');
    if (err !== undefined) {
      this.w.error(asString(err['message']) ?? 'the provider reported an error', 'server_error', asString(err['status']) ?? null);
      this.done = true;
      return;
    }
    if (!this.started) {
      this.started = true;
      this.w.reset(asString(resp['responseId']) ?? this.ctx.id, this.ctx.created, asString(resp['modelVersion']) ?? this.ctx.model);
      this.w.role();
    }
    const usage = openAiUsageOfGemini(resp['usageMetadata']);
    if (usage !== undefined) {
      this.usage = usage;
      this.usageText = undefined;
    }
    const cand = firstCandidate(resp);
    if (cand === undefined) {
      if (asString(objectAt(resp, 'promptFeedback')?.['blockReason']) !== undefined) this.finish = 'content_filter';
      return;
    }
    this.w.text(cand.text);
    for (const call of cand.calls) {
      const k = this.tools++;
      this.w.toolStart(k, call.id ?? `call_${this.ctx.id}_${k}`, call.name);
      this.w.toolArguments(k, JSON.stringify(call.args));
    }
    if (cand.finishReason !== undefined) this.finish = finishOfGemini(cand.finishReason, this.tools > 0);
  }

  /** Ends the stream: the finish chunk, the usage chunk and `[DONE]`. */
  end(): void {
    if (this.done) return;
    this.done = true;
    if (!this.started) return;
    this.w.finish(this.finish ?? (this.tools > 0 ? 'tool_calls' : 'stop'));
    const usage = this.usageText !== undefined ? openAiUsageOfGemini(asObject(parseJson(this.usageText))?.['usageMetadata']) : this.usage;
    if (usage !== undefined) this.w.usage(usage);
    this.finished = true;
  }
}

/** A whole `GenerateContentResponse` as a `chat.completion` (undefined when `body` is not one). */
export function geminiToOpenAi(body: unknown, ctx: ResponseContext): Record<string, unknown> | undefined {
  const resp = asObject(Array.isArray(body) ? body[0] : body);
  if (resp === undefined || (resp['candidates'] === undefined && resp['promptFeedback'] === undefined)) return undefined;
  const cand = firstCandidate(resp);
  const calls: ToolCallOut[] = (cand?.calls ?? []).map((c, k) => ({ id: c.id ?? `call_${ctx.id}_${k}`, name: c.name, arguments: JSON.stringify(c.args) }));
  const usage = openAiUsageOfGemini(resp['usageMetadata']);
  const blocked = cand === undefined && asString(objectAt(resp, 'promptFeedback')?.['blockReason']) !== undefined;
  return chatCompletion({
    id: asString(resp['responseId']) ?? ctx.id,
    created: ctx.created,
    model: asString(resp['modelVersion']) ?? ctx.model,
    text: cand === undefined || (cand.text === '' && calls.length > 0) ? null : cand.text,
    toolCalls: calls,
    finish: blocked ? 'content_filter' : finishOfGemini(cand?.finishReason, calls.length > 0),
    ...(usage !== undefined ? { usage } : {}),
  });
}
