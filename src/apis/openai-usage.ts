/**
 * OpenAI usage objects mapped to {@link TokenUsage}. Two naming families exist:
 * - Chat Completions, Completions, Embeddings: `prompt_tokens`, `completion_tokens`,
 *   `total_tokens`, `prompt_tokens_details.cached_tokens`,
 *   `completion_tokens_details.reasoning_tokens`; prompt-cache writes (included in
 *   `prompt_tokens`) as `prompt_tokens_details.cache_write_tokens` where a server reports them
 *   (OpenRouter's name, also written by translation from providers that bill writes).
 * - Responses, Images, audio: `input_tokens`, `output_tokens`, `total_tokens`,
 *   `input_tokens_details.cached_tokens`, `output_tokens_details.reasoning_tokens`.
 */
import type { TokenUsage } from './api.js';
import { asCount, asObject, objectAt } from './json-fields.js';

/** Usage of a Chat Completions / Completions / Embeddings response (`prompt_tokens` family). */
export function promptFamilyUsage(raw: unknown): TokenUsage {
  return familyUsage(raw, 'prompt', 'completion');
}

/** Usage of a Responses / Images / audio response (`input_tokens` family). */
export function inputFamilyUsage(raw: unknown): TokenUsage {
  return familyUsage(raw, 'input', 'output');
}

/**
 * Usage of an object whose counts are `<input>_tokens`, `<input>_tokens_details.cached_tokens`,
 * `<output>_tokens`, `<output>_tokens_details.reasoning_tokens` and `total_tokens`.
 */
function familyUsage(raw: unknown, input: 'prompt' | 'input', output: 'completion' | 'output'): TokenUsage {
  const u = asObject(raw);
  if (u === undefined) return {};
  return withTotal({
    input: asCount(u[`${input}_tokens`]),
    cachedInput: asCount(objectAt(u, `${input}_tokens_details`)?.['cached_tokens']),
    cacheCreationInput: asCount(objectAt(u, `${input}_tokens_details`)?.['cache_write_tokens']),
    output: asCount(u[`${output}_tokens`]),
    reasoning: asCount(objectAt(u, `${output}_tokens_details`)?.['reasoning_tokens']),
    total: asCount(u['total_tokens']),
  });
}

/**
 * Drops absent fields and fills `total` with input + output when the provider gave none.
 */
export function withTotal(usage: TokenUsage): TokenUsage {
  const out: TokenUsage = {};
  for (const [k, v] of Object.entries(usage) as Array<[keyof TokenUsage, number | undefined]>) {
    if (v !== undefined) out[k] = v;
  }
  if (out.total === undefined && out.input !== undefined && out.output !== undefined) out.total = out.input + out.output;
  return out;
}
