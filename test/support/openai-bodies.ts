/**
 * OpenAI Chat Completions response bodies for mock upstreams: one assistant message with
 * `finish_reason: stop` and the usage a test needs.
 */

/** OpenAI `usage` of a chat completion (the fields tests set). */
export interface CompletionUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
  readonly prompt_tokens_details?: { readonly cached_tokens: number };
}

/** A non-streaming chat completion as JSON text. */
export function chatCompletionJson(opts: { id: string; model: string; usage: CompletionUsage; content?: string }): string {
  return JSON.stringify({
    id: opts.id,
    object: 'chat.completion',
    created: 1,
    model: opts.model,
    choices: [{ index: 0, message: { role: 'assistant', content: opts.content ?? 'ok' }, finish_reason: 'stop' }],
    usage: opts.usage,
  });
}
