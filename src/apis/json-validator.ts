/**
 * The fast path of `scanTopLevel` (json-scan.ts): a WebAssembly module that validates a JSON body
 * 64 bytes at a time with SIMD and lists the members of its top-level object, so the requested
 * keys are found without a byte loop in JavaScript. Built from scripts/json-validator-wat.mjs
 * (which explains how it works) by scripts/gen-json-validator.mjs.
 *
 * The body is copied into the module's memory one chunk (32 KB) at a time, so a body of any size
 * costs 32 KB of scratch memory, never a copy of the body. The module answers "valid" only for
 * bodies `JSON.parse` accepts; for anything else (invalid, or nested deeper than its stack) it
 * answers nothing and the caller runs the JavaScript scanner, which gives the verdict and the
 * error message. Key names and values are read from the body itself, as the scanner does.
 */
import { JSON_VALIDATOR_LAYOUT, JSON_VALIDATOR_WASM } from './json-validator-wasm.js';
import { matchKey, type PreparedKeys } from './json-key-match.js';
import type { ScanResult, ValueSpan } from './json-scan.js';

const { chunk: CHUNK, lookahead: LOOKAHEAD, records: RECORDS, recordLimit: RECORD_LIMIT, status: STATUS } = JSON_VALIDATOR_LAYOUT;
const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** An instance of the module and views of its memory. */
interface Validator {
  readonly reset: () => void;
  readonly run: (base: number, limit: number, last: number) => number;
  readonly records: () => number;
  readonly memory: Uint8Array;
  readonly recordView: Int32Array;
}

/**
 * The one instance, made on first use: a compiled module and its 384 KB of scratch memory, like
 * a cache (scans are synchronous, so calls never interleave). null when WebAssembly is
 * unavailable (e.g. `--jitless`): the JavaScript scanner then does all the work.
 */
let shared: Validator | null | undefined;

function validator(): Validator | null {
  if (shared !== undefined) return shared;
  try {
    const module = new WebAssembly.Module(Buffer.from(JSON_VALIDATOR_WASM, 'base64'));
    const exports = new WebAssembly.Instance(module, {}).exports as {
      memory: WebAssembly.Memory;
      reset: () => void;
      run: (base: number, limit: number, last: number) => number;
      records: () => number;
    };
    const buffer = exports.memory.buffer;
    shared = {
      reset: exports.reset,
      run: exports.run,
      records: exports.records,
      memory: new Uint8Array(buffer),
      recordView: new Int32Array(buffer, RECORDS, RECORD_LIMIT * 3),
    };
  } catch {
    shared = null;
  }
  return shared;
}

/**
 * Validates `body` and reads the requested top-level keys (last occurrence wins, names compared
 * as `JSON.parse` would). Returns undefined when the module cannot vouch for the body — invalid,
 * deeper than its stack, over 2 GB, or no WebAssembly — and the JavaScript scanner must decide.
 */
export function validateTopLevel(body: Buffer, keys: PreparedKeys, withSpans: boolean): ScanResult | undefined {
  const v = validator();
  const n = body.length;
  if (v === null || n > 0x7fff_ffff) return undefined;
  const mem = v.memory;
  // Last occurrence of each requested key: key -> [value start, value end].
  let found: Map<string, [number, number]> | undefined;
  v.reset();
  for (let base = 0; ; base += CHUNK) {
    const last = n - base < CHUNK;
    const len = last ? n - base : CHUNK;
    const copied = Math.min(n - base, len + LOOKAHEAD);
    mem.set(body.subarray(base, base + copied), 0);
    // The last chunk ends with at least one space (so a number at the end is ended) up to a
    // multiple of 64; the lookahead after the body is spaces too.
    const limit = last ? (len + 64) & ~63 : len;
    if (copied < limit + LOOKAHEAD) mem.fill(SPACE, copied, limit + LOOKAHEAD);
    const status = v.run(base, limit, last ? 1 : 0);
    if (status !== STATUS.valid) return undefined;
    const count = v.records();
    for (let r = 0; r < count; r++) {
      const keyStart = v.recordView[r * 3]!;
      const name = keyAt(body, keyStart, keys);
      if (name === null) continue;
      found ??= new Map();
      found.set(name, [v.recordView[r * 3 + 1]!, trimEnd(body, v.recordView[r * 3 + 2]!)]);
    }
    if (last) break;
  }
  const values = new Map<string, unknown>();
  if (found === undefined) return withSpans ? { ok: true, values, spans: new Map() } : { ok: true, values };
  for (const [name, [start, end]] of found) values.set(name, JSON.parse(body.toString('utf8', start, end)));
  if (!withSpans) return { ok: true, values };
  const spans = new Map<string, ValueSpan>();
  for (const [name, [start, end]] of found) spans.set(name, { start, end });
  return { ok: true, values, spans };
}

/** The requested name the (valid) key string opening at `open` spells, or null. */
function keyAt(body: Buffer, open: number, keys: PreparedKeys): string | null {
  let i = open + 1;
  let escaped = false;
  for (;;) {
    const c = body[i]!;
    if (c === QUOTE) break;
    if (c === BACKSLASH) {
      escaped = true;
      i += 2;
    } else {
      i++;
    }
  }
  return matchKey(body, open + 1, i, escaped, keys);
}

/** The end of a member's value: its `,` or `}` at `end`, whitespace before it excluded. */
function trimEnd(body: Buffer, end: number): number {
  let e = end;
  for (;;) {
    const c = body[e - 1];
    if (c === SPACE || c === 0x0a || c === 0x0d || c === 0x09) e--;
    else return e;
  }
}
