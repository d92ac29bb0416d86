/**
 * The cache key of a request: the API, the rule and backend chosen, the model sent upstream, the
 * upstream path (a Gemini `alt=sse` or a model in the URL), whether the client asked for a
 * stream (unless both forms share entries), and a canonical form of the JSON body: object keys sorted at every depth, the rule's
 * ignorable top-level fields left out. Two requests that differ only in key order or in an
 * ignored field share an entry; anything else makes a different key.
 */
import { createHash } from 'node:crypto';

/** What goes into a key besides the body. */
export interface KeyParts {
  readonly api: string;
  readonly rule: string;
  /** Backend name(s) of the rule, in order. */
  readonly backend: string;
  /** The model sent upstream (`sentModel ?? model`). */
  readonly model: string;
  /** `:path` as it goes upstream. */
  readonly path: string;
  /** Whether the client asked for a stream; `either` where streams and whole responses share entries. */
  readonly stream: boolean | 'either';
}

/** JSON text of `v` with object keys sorted at every depth. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** The body as a JSON object; undefined when it is not one (such requests are not cached). */
export function jsonObject(body: Buffer): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

/** The canonical form of `obj` without its `ignore`d top-level fields. */
export function canonicalBody(obj: Readonly<Record<string, unknown>>, ignore: readonly string[]): string {
  const copy = { ...obj };
  for (const f of ignore) delete copy[f];
  return canonicalJson(copy);
}

/** Hex SHA-256 over the parts and the canonical body. */
export function keyDigest(parts: KeyParts, canonical: string): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([parts.api, parts.rule, parts.backend, parts.model, parts.path, parts.stream]));
  h.update('\n');
  h.update(canonical);
  return h.digest('hex');
}

/**
 * True when the body asks for a deterministic answer: temperature 0 or a seed, at the top level
 * or in Gemini's `generationConfig` / Bedrock's `inferenceConfig`.
 */
export function isDeterministic(obj: Readonly<Record<string, unknown>>): boolean {
  const places = [obj, obj['generationConfig'], obj['inferenceConfig']].filter((p): p is Record<string, unknown> => p !== null && typeof p === 'object');
  return places.some((p) => p['temperature'] === 0 || (typeof p['seed'] === 'number' && Number.isFinite(p['seed'])));
}
