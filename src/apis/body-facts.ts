/**
 * Model and stream flag from JSON request bodies, read with the validating top-level scanner
 * (never a full `JSON.parse`), so the router sees exactly what the provider will.
 */
import { clientError } from '../error-catalogue.js';
import type { BodyFacts } from './api.js';
import { scanTopLevelPrefix } from './json-prefix-scan.js';
import { scanTopLevel } from './json-scan.js';
import { SESSION_KEYS, sessionIdOf } from './session-id.js';

/** How an API reads its body (made by {@link jsonBodyRules}). */
export interface JsonBodyRules {
  /**
   * Top-level keys to read, the session keys included (one set per API, made once: the scanner
   * prepares a set once per set object).
   */
  readonly keys: ReadonlySet<string>;
  /** Key holding the model; absent for APIs whose model is in the URL. */
  readonly modelKey?: string;
  /** Decides the stream flag from the read values (default: `stream === true`). */
  readonly stream?: (values: ReadonlyMap<string, unknown>) => boolean;
}

/** Rules reading the top-level `keys` and the session keys (see `session-id.ts`), so one scan reads both. */
export function jsonBodyRules(def: { readonly keys: readonly string[]; readonly modelKey?: string; readonly stream?: JsonBodyRules['stream'] }): JsonBodyRules {
  return { ...def, keys: new Set([...def.keys, ...SESSION_KEYS]) };
}

/** Rules of the common case: `model` and `stream` members. */
export const MODEL_AND_STREAM: JsonBodyRules = jsonBodyRules({ keys: ['model', 'stream'], modelKey: 'model' });

/** Rules of APIs that never stream (Embeddings): the model only. */
export const MODEL_ONLY: JsonBodyRules = jsonBodyRules({ keys: ['model'], modelKey: 'model', stream: () => false });

/** Rules for URL-model APIs that still take `stream` in the body (Azure OpenAI deployments). */
export const STREAM_ONLY: JsonBodyRules = jsonBodyRules({ keys: ['stream'] });

/**
 * Reads model, stream flag and the client's session id (see `session-id.ts`) in one scan. Throws `UserFacingError(400)`: `invalid_json` for a body that is
 * not JSON (or not an object), `invalid_model` for a non-string model, `missing_model` for an
 * absent or empty one (not raised for `partial` bodies, where the model may lie beyond the prefix).
 */
export function readJsonBodyFacts(body: Uint8Array, rules: JsonBodyRules, opts?: { partial?: boolean }): BodyFacts {
  const partial = opts?.partial === true;
  const scan = partial ? scanTopLevelPrefix(body, rules.keys) : scanTopLevel(body, rules.keys);
  if (!scan.ok) throw clientError('invalid_json', { detail: scan.error });
  if (!startsWithObject(body)) {
    throw clientError('invalid_json', {});
  }
  const facts: BodyFacts = {};
  const values = scan.values;
  if (rules.modelKey !== undefined) {
    const model = values.get(rules.modelKey);
    if (model !== undefined && typeof model !== 'string') {
      throw clientError('invalid_model', { field: rules.modelKey });
    }
    if (model === undefined || model === '') {
      if (!partial) throw clientError('missing_model', { field: rules.modelKey, in: 'body' });
    } else {
      facts.model = model;
    }
  }
  facts.stream = rules.stream ? rules.stream(values) : values.get('stream') === true;
  facts.sessionId = sessionIdOf(values) ?? null;
  return facts;
}

/** A spec's `parseRequestBody` for a JSON body read by `rules` (the content type is not looked at). */
export function jsonBodyParser(rules: JsonBodyRules): (body: Uint8Array, contentType: string | undefined, opts?: { partial?: boolean }) => BodyFacts {
  return (body, _contentType, opts) => readJsonBodyFacts(body, rules, opts);
}

/** True when the first non-whitespace byte opens an object (an empty prefix counts as one). */
function startsWithObject(body: Uint8Array): boolean {
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    return c === 0x7b;
  }
  return true;
}
