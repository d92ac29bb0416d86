/**
 * The stable prefix of a request — system prompt, tools and the first N conversation messages —
 * by API wire format, and its sha256. Two requests that share these parts get the same hash
 * whatever follows them, so a `prefix-hash` cache key groups exactly the requests a provider
 * can serve from one cached prefix.
 */
import { createHash } from 'node:crypto';

/** The parts of a parsed body that make up its stable prefix (each undefined when absent). */
export interface StablePrefix {
  readonly system: unknown;
  readonly tools: unknown;
  readonly messages: readonly unknown[];
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function list(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Leading OpenAI chat messages with role `system` or `developer`. */
function leadingSystem(messages: readonly unknown[]): number {
  let i = 0;
  while (i < messages.length && ['system', 'developer'].includes(String(obj(messages[i])?.['role']))) i++;
  return i;
}

/**
 * The stable prefix of `body` (already parsed) for API `apiId`, with `n` leading conversation
 * messages (after the system messages). Undefined when the API is not a chat-style API.
 */
export function stablePrefix(apiId: string, body: unknown, n: number): StablePrefix | undefined {
  const b = obj(body);
  if (!b) return undefined;
  if (apiId.endsWith('chat_completions')) {
    const messages = list(b['messages']);
    const s = leadingSystem(messages);
    return { system: s ? messages.slice(0, s) : undefined, tools: b['tools'], messages: messages.slice(s, s + n) };
  }
  if (apiId.endsWith('responses')) {
    const input = b['input'];
    const items = typeof input === 'string' ? [input] : list(input);
    return { system: b['instructions'], tools: b['tools'], messages: items.slice(0, n) };
  }
  if (apiId.endsWith('anthropic_messages') || apiId === 'anthropic.messages' || apiId === 'bedrock.invoke') {
    return { system: b['system'], tools: b['tools'], messages: list(b['messages']).slice(0, n) };
  }
  if (apiId === 'bedrock.converse') {
    return { system: b['system'], tools: obj(b['toolConfig'])?.['tools'], messages: list(b['messages']).slice(0, n) };
  }
  return undefined;
}

/** True when the prefix holds nothing (no system prompt, no tools, no messages): nothing to share. */
export function isEmptyPrefix(p: StablePrefix): boolean {
  const empty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
  return empty(p.system) && empty(p.tools) && p.messages.length === 0;
}

/** Hex sha256 of the prefix, over its JSON serialisation (the parts in the order the client sent them). */
export function prefixHash(p: StablePrefix): string {
  return createHash('sha256')
    .update(JSON.stringify([p.system ?? null, p.tools ?? null, p.messages]))
    .digest('hex');
}

/** Estimated tokens of a JSON value: its serialised length / 4 (a deliberately rough estimate). */
export function estimateTokens(...parts: unknown[]): number {
  let chars = 0;
  for (const p of parts) if (p !== undefined) chars += typeof p === 'string' ? p.length : JSON.stringify(p).length;
  return Math.floor(chars / 4);
}
