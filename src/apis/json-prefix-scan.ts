/**
 * Reads top-level members of a JSON object from the first part of a body (Envoy's
 * BUFFERED_PARTIAL mode sends only a prefix of large bodies).
 *
 * Members whose value ends inside the prefix are returned (last occurrence wins, key names
 * unescaped as `JSON.parse` does); a member cut by the end of the prefix is not. Requested values
 * are validated with `JSON.parse`; other values are only skipped structurally (strings, nesting),
 * since the rest of the document is unseen anyway. A structural error in the seen part fails.
 */
import type { ScanResult } from './json-scan.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** Value ends beyond the prefix. */
const TRUNCATED = -1;
/** Not JSON. */
const INVALID = -2;

/** Top-level members of a possibly truncated JSON object; see the module comment. Never throws. */
export function scanTopLevelPrefix(body: Uint8Array, keys: ReadonlySet<string>): ScanResult {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const values = new Map<string, unknown>();
  const fail = (what: string, at: number): ScanResult => ({ ok: false, error: `${what} at byte ${at}` });
  const n = b.length;
  let i = skipWs(b, 0);
  if (i >= n) return { ok: true, values };
  if (b[i] !== OPEN_OBJECT) return fail('expected a JSON object', i);
  i++;
  let first = true;
  for (;;) {
    i = skipWs(b, i);
    if (i >= n) return { ok: true, values };
    if (b[i] === CLOSE_OBJECT) return { ok: true, values };
    if (!first) {
      if (b[i] !== COMMA) return fail("expected ',' or '}'", i);
      i = skipWs(b, i + 1);
      if (i >= n) return { ok: true, values };
    }
    first = false;
    if (b[i] !== QUOTE) return fail('expected a member name', i);
    const keyEnd = skipString(b, i);
    if (keyEnd === TRUNCATED) return { ok: true, values };
    let key: string;
    try {
      key = JSON.parse(b.toString('utf8', i, keyEnd)) as string;
    } catch {
      return fail('invalid member name', i);
    }
    i = skipWs(b, keyEnd);
    if (i >= n) return { ok: true, values };
    if (b[i] !== COLON) return fail("expected ':'", i);
    i = skipWs(b, i + 1);
    if (i >= n) return { ok: true, values };
    const end = skipValue(b, i);
    if (end === TRUNCATED) return { ok: true, values };
    if (end === INVALID) return fail('invalid value', i);
    if (keys.has(key)) {
      try {
        values.set(key, JSON.parse(b.toString('utf8', i, end)) as unknown);
      } catch {
        return fail(`invalid value of ${JSON.stringify(key)}`, i);
      }
    }
    i = end;
  }
}

function skipWs(b: Buffer, i: number): number {
  const n = b.length;
  while (i < n) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** End (exclusive) of the string starting at the quote at `i`, or TRUNCATED. */
function skipString(b: Buffer, i: number): number {
  let from = i + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, from);
    if (q < 0) return TRUNCATED;
    let slashes = 0;
    for (let k = q - 1; k > i && b[k] === BACKSLASH; k--) slashes++;
    if (slashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** End (exclusive) of the value starting at `i`, TRUNCATED, or INVALID. */
function skipValue(b: Buffer, i: number): number {
  const n = b.length;
  const c = b[i]!;
  if (c === QUOTE) return skipString(b, i);
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    const stack: number[] = [c];
    let j = i + 1;
    while (j < n) {
      const d = b[j]!;
      if (d === QUOTE) {
        const e = skipString(b, j);
        if (e === TRUNCATED) return TRUNCATED;
        j = e;
        continue;
      }
      if (d === OPEN_OBJECT || d === OPEN_ARRAY) stack.push(d);
      else if (d === CLOSE_OBJECT || d === CLOSE_ARRAY) {
        const open = stack.pop();
        if ((d === CLOSE_OBJECT) !== (open === OPEN_OBJECT)) return INVALID;
        if (stack.length === 0) return j + 1;
      }
      j++;
    }
    return TRUNCATED;
  }
  // Number or literal: runs until a delimiter; one that reaches the end of the prefix may be cut.
  let j = i;
  while (j < n) {
    const d = b[j]!;
    if (d === COMMA || d === CLOSE_OBJECT || d === CLOSE_ARRAY || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
    j++;
  }
  if (j === i) return INVALID;
  return j >= n ? TRUNCATED : j;
}
