/**
 * The client's own session id in a JSON request body: Anthropic `metadata.user_id`, then OpenAI
 * `user`, then `prompt_cache_key`. Read by the same top-level scan that reads the model (see
 * `body-facts.ts`), so a body is never scanned twice for it.
 */
import { scanTopLevel } from './json-scan.js';

/** Top-level keys that can carry a session id. */
export const SESSION_KEYS: readonly string[] = ['metadata', 'user', 'prompt_cache_key'];

/** Longest id kept from a client (longer ones are cut: they are labels, not secrets). */
export const MAX_ID_LABEL = 256;

const SESSION_KEY_SET: ReadonlySet<string> = new Set(SESSION_KEYS);

/** An id taken from a client (session, request or trace id): trimmed, non-empty, cut to {@link MAX_ID_LABEL}; else undefined. */
export function cleanIdLabel(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  return s ? s.slice(0, MAX_ID_LABEL) : undefined;
}

/** The session id among top-level values read by a scan that included {@link SESSION_KEYS}. */
export function sessionIdOf(values: ReadonlyMap<string, unknown>): string | undefined {
  const metadata = values.get('metadata');
  const userId = metadata && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as Record<string, unknown>)['user_id'] : undefined;
  return cleanIdLabel(userId) ?? cleanIdLabel(values.get('user')) ?? cleanIdLabel(values.get('prompt_cache_key'));
}

/** The session id of a JSON body read on its own (for APIs whose body facts do not read it). */
export function sessionIdFromBody(body: Uint8Array | undefined): string | undefined {
  if (!body || body.length === 0) return undefined;
  const scan = scanTopLevel(body, SESSION_KEY_SET);
  return scan.ok ? sessionIdOf(scan.values) : undefined;
}
