/**
 * Typed reads from parsed JSON of unknown shape. Provider bodies are untrusted: every read checks
 * the type it expects and answers `undefined` otherwise, so a surprising body never throws.
 */

/** Plain JSON object view of `v`, or undefined for anything else (arrays and null included). */
export function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** `v` when it is a finite, non-negative number (a token count), else undefined. */
export function asCount(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** `v` when it is a non-empty string, else undefined. */
export function asString(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Nested object at `path` under `v`, or undefined when any step is missing or not an object. */
export function objectAt(v: unknown, ...path: string[]): Record<string, unknown> | undefined {
  let cur = asObject(v);
  for (const key of path) {
    if (cur === undefined) return undefined;
    cur = asObject(cur[key]);
  }
  return cur;
}

/** `JSON.parse(text)`, or undefined when the text is not JSON. Never throws. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * String member `key` of the first element of `list` that has one and whose `index` is 0 or
 * absent: the first choice (OpenAI) or candidate (Gemini) of a response.
 */
export function firstIndexZeroString(list: unknown, key: string): string | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const item of list) {
    const obj = asObject(item);
    if (obj === undefined) continue;
    const index = obj['index'];
    if (index !== undefined && index !== 0) continue;
    const value = asString(obj[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Sum of the counts that are present; undefined when none is. */
export function sumCounts(...counts: Array<number | undefined>): number | undefined {
  let total: number | undefined;
  for (const c of counts) if (c !== undefined) total = (total ?? 0) + c;
  return total;
}

/**
 * `"type"` member of a JSON object text whose first member is its type (Anthropic and OpenAI
 * Responses events write it first), found in the first bytes without parsing.
 */
export function leadingType(json: string): string | undefined {
  const m = /^\s*\{\s*"type"\s*:\s*"([^"\\]{1,100})"/.exec(json.length > 160 ? json.slice(0, 160) : json);
  return m?.[1];
}
