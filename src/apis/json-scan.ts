/**
 * Validating single-pass scanner that reads a few top-level fields out of a JSON request body
 * without building the whole document. Bodies from 256 bytes on are first given to the
 * WebAssembly validator (json-validator.ts), several times faster on every body shape; it
 * vouches only for valid bodies, and everything else is decided by the scanner described here.
 *
 * The scanner must agree with `JSON.parse(Buffer.from(body).toString('utf8'))` on every input:
 * on whether the body is valid, and on the value of every requested top-level key (the last
 * occurrence wins, key names compared after unescaping). A router that read a different model
 * than the provider would let a client pick a backend the provider never sees.
 *
 * How it stays fast and exact:
 * - One word-at-a-time pass over the whole body rejects control characters. In valid JSON a byte
 *   below 0x20 may only be tab, LF or CR, and only outside strings; any other such byte makes the
 *   body invalid wherever it sits. The pass also tells whether tab/LF/CR occur at all.
 * - Inside strings, the first bytes of each run are read in a plain loop (short strings and
 *   escape-dense text); longer runs are skipped with `Buffer.indexOf` (memchr) for `"` and `\`,
 *   the next position of each cached, so every byte is searched once however many strings there
 *   are. When tab/LF/CR occur in the body, their cached positions show whether one falls inside a
 *   skipped run. Every escape sequence is validated.
 *
 * Measured on 1 MB bodies: text without escapes (base64 images, long prompts) scans at about
 * 5 GB/s, 8-9x faster than `JSON.parse(buf.toString())` (25x with multi-byte text, which the
 * full parse must decode); escape- or structure-dense bodies (many short messages, code) are
 * 1.3-2x faster, bounded by the per-byte validation they need.
 * - Bytes outside strings (structure, numbers, literals) are read one by one; a byte ≥ 0x80 there
 *   is an error, as any non-ASCII character would be for `JSON.parse`.
 * - Nesting is tracked with an explicit stack, so any depth `JSON.parse` accepts is accepted.
 * - Only values of requested keys are decoded (`JSON.parse` of their slice, once, at the end).
 *
 * Invalid UTF-8: decoding replaces each bad sequence with U+FFFD and never swallows an ASCII
 * byte, so bytes ≥ 0x80 inside strings are accepted and slices cut at ASCII boundaries decode to
 * exactly the characters the whole-body decode gives. A leading UTF-8 BOM decodes to U+FEFF, which
 * `JSON.parse` rejects; so does this scanner.
 */

import { prepareKeys } from './json-key-match.js';
import { Scanner } from './json-scanner.js';
import { validateTopLevel } from './json-validator.js';

/** Byte range `[start, end)` of a value in the scanned body. */
export interface ValueSpan {
  readonly start: number;
  readonly end: number;
}

/**
 * Outcome of {@link scanTopLevel}: the requested values (and, from {@link scanTopLevelSpans},
 * where in the body each one sits), or why the body is not valid JSON.
 */
export type ScanResult = { ok: true; values: Map<string, unknown>; spans?: Map<string, ValueSpan> } | { ok: false; error: string };

/**
 * Validates that `body` (UTF-8 bytes) is exactly one JSON value, accepting precisely what
 * `JSON.parse(Buffer.from(body).toString('utf8'))` accepts, and returns the values of the
 * requested keys of the top-level object (last occurrence wins; names compared after unescaping).
 * A valid body whose top level is not an object gives an empty map. Never throws.
 */
export function scanTopLevel(body: Uint8Array, keys: ReadonlySet<string>): ScanResult {
  return scan(body, keys, false);
}

/**
 * {@link scanTopLevel}, also returning the byte span of each requested key's value (its last
 * occurrence: the one `JSON.parse` reads), for callers that splice a new value in.
 */
export function scanTopLevelSpans(body: Uint8Array, keys: ReadonlySet<string>): ScanResult {
  return scan(body, keys, true);
}

/**
 * Bodies from this size on are tried with the WebAssembly validator first (json-validator.ts);
 * below it the fixed cost of a call (about 1.5 µs) is more than the JavaScript scanner takes.
 */
const VALIDATOR_MIN_BYTES = 256;

function scan(body: Uint8Array, keys: ReadonlySet<string>, withSpans: boolean): ScanResult {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const prepared = prepareKeys(keys);
  if (buf.length >= VALIDATOR_MIN_BYTES) {
    const fast = validateTopLevel(buf, prepared, withSpans);
    if (fast !== undefined) return fast;
  }
  try {
    return new Scanner(buf, prepared, withSpans).run();
  } catch (err) {
    // Only a failed allocation (stack growth on absurd nesting) can land here.
    return { ok: false, error: `JSON scan failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
