/**
 * The scanning machine behind `scanTopLevel` (see json-scan.ts for what it guarantees and how):
 * one pass over one body, positions of `"`, `\`, tab, LF and CR cached as it goes.
 */
import { findControlBytes } from './json-control-bytes.js';
import { matchKey, type PreparedKeys } from './json-key-match.js';
import type { ScanResult, ValueSpan } from './json-scan.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const OBJECT = 1;
const ARRAY = 2;
/** String bytes read in a plain loop before switching to indexOf (see Scanner.scanString). */
const SHORT_RUN = 32;

/** 1 for bytes that may follow a backslash (other than `u`). */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;
/** 1 for ASCII hex digits. */
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

/** One scan of one body. Positions of `"`, `\`, tab, LF, CR are cached (queries only move forward). */
export class Scanner {
  private readonly n: number;
  private error = '';
  /** Set by scanString: whether the string just scanned held a backslash. */
  private escaped = false;
  private hasWhitespaceControls = false;
  private nextQuote = -1;
  private nextBackslash = -1;
  private nextTab = -1;
  private nextLf = -1;
  private nextCr = -1;

  constructor(
    private readonly b: Buffer,
    private readonly keys: PreparedKeys,
    private readonly withSpans: boolean,
  ) {
    this.n = b.length;
  }

  run(): ScanResult {
    const b = this.b;
    const n = this.n;
    const control = findControlBytes(b);
    if (control >= 0) return this.fail(`Bad control character in JSON at byte ${control}`);
    this.hasWhitespaceControls = control === -2;

    const found = new Map<string, number>(); // key -> start; end at index + 1 in `ends`
    const starts: number[] = [];
    const ends: number[] = [];
    let stack: Uint8Array = new Uint8Array(64);
    let depth = 0;
    let recordKey: string | null = null;
    let valueStart = 0;
    let i = this.skipWs(0);

    for (;;) {
      // ---- a value starts at i ----
      if (i >= n) return this.fail('Unexpected end of JSON input');
      const c = b[i]!;
      let descended = false;
      if (c === 0x7b /* { */) {
        i = this.skipWs(i + 1);
        if (b[i] === 0x7d /* } */) {
          i++;
        } else {
          if (depth === stack.length) stack = grow(stack);
          stack[depth++] = OBJECT;
          i = this.readKey(i, depth);
          if (i < 0) return this.fail(this.error);
          if (depth === 1) {
            recordKey = this.lastKey;
            valueStart = i;
          }
          descended = true;
        }
      } else if (c === 0x5b /* [ */) {
        i = this.skipWs(i + 1);
        if (b[i] === 0x5d /* ] */) {
          i++;
        } else {
          if (depth === stack.length) stack = grow(stack);
          stack[depth++] = ARRAY;
          descended = true;
        }
      } else if (c === QUOTE) {
        const end = this.scanString(i + 1);
        if (end < 0) return this.fail(this.error);
        i = end + 1;
      } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
        i = this.scanNumber(i);
        if (i < 0) return this.fail(this.error);
      } else if (c === 0x74 /* t */) {
        if (b[i + 1] !== 0x72 || b[i + 2] !== 0x75 || b[i + 3] !== 0x65) return this.unexpected(i);
        i += 4;
      } else if (c === 0x66 /* f */) {
        if (b[i + 1] !== 0x61 || b[i + 2] !== 0x6c || b[i + 3] !== 0x73 || b[i + 4] !== 0x65) return this.unexpected(i);
        i += 5;
      } else if (c === 0x6e /* n */) {
        if (b[i + 1] !== 0x75 || b[i + 2] !== 0x6c || b[i + 3] !== 0x6c) return this.unexpected(i);
        i += 4;
      } else {
        return this.unexpected(i);
      }
      if (descended) continue;

      // ---- a value ended at i: close containers, or move to the next element ----
      for (;;) {
        if (recordKey !== null && depth === 1) {
          const slot = found.get(recordKey);
          if (slot === undefined) {
            found.set(recordKey, starts.length);
            starts.push(valueStart);
            ends.push(i);
          } else {
            starts[slot] = valueStart;
            ends[slot] = i;
          }
          recordKey = null;
        }
        i = this.skipWs(i);
        if (depth === 0) {
          if (i !== n) return this.unexpected(i);
          return this.materialise(found, starts, ends);
        }
        const d = b[i];
        const top = stack[depth - 1];
        if (d === 0x2c /* , */) {
          i = this.skipWs(i + 1);
          if (top === OBJECT) {
            i = this.readKey(i, depth);
            if (i < 0) return this.fail(this.error);
            if (depth === 1) {
              recordKey = this.lastKey;
              valueStart = i;
            }
          }
          break;
        }
        if ((d === 0x7d /* } */ && top === OBJECT) || (d === 0x5d /* ] */ && top === ARRAY)) {
          depth--;
          i++;
          continue;
        }
        return i >= n ? this.fail('Unexpected end of JSON input') : this.unexpected(i);
      }
    }
  }

  /** Requested key matched by the last readKey at depth 1, else null. */
  private lastKey: string | null = null;

  /**
   * Reads `"key" ws : ws` at i (i at the opening quote). Returns the offset of the value, or -1.
   * At depth 1 sets lastKey to the requested key it names, if any.
   */
  private readKey(i: number, depth: number): number {
    const b = this.b;
    if (b[i] !== QUOTE) {
      this.error = i >= this.n ? 'Unexpected end of JSON input' : `Expected property name at byte ${i}`;
      return -1;
    }
    const end = this.scanString(i + 1);
    if (end < 0) return -1;
    if (depth === 1) this.lastKey = matchKey(this.b, i + 1, end, this.escaped, this.keys);
    const colon = this.skipWs(end + 1);
    if (b[colon] !== 0x3a /* : */) {
      this.error = colon >= this.n ? 'Unexpected end of JSON input' : `Expected ':' at byte ${colon}`;
      return -1;
    }
    return this.skipWs(colon + 1);
  }

  /**
   * Scans string content starting at s (just after the opening quote). Returns the offset of
   * the closing quote, or -1 with `error` set. Sets `escaped`.
   *
   * Runs of up to SHORT_RUN bytes are read in a plain loop (most strings are short, and
   * escape-dense text would otherwise pay one indexOf call per escape); longer runs are skipped
   * with the cached indexOf positions of `"` and `\`.
   */
  private scanString(s: number): number {
    const b = this.b;
    const n = this.n;
    let escaped = false;
    let i = s;
    for (;;) {
      const stop = Math.min(n, i + SHORT_RUN);
      while (i < stop) {
        const c = b[i]!;
        if (c === QUOTE) {
          this.escaped = escaped;
          return i;
        }
        if (c === BACKSLASH) break;
        if (c < SPACE) return this.controlInString(i);
        i++;
      }
      if (i < stop) {
        escaped = true;
        i = this.escape(i);
        if (i < 0) return -1;
        continue;
      }
      if (i >= n) return this.unterminated();
      // A long run: jump to the next quote or backslash.
      if (this.nextQuote < i) {
        this.nextQuote = b.indexOf(QUOTE, i);
        if (this.nextQuote < 0) this.nextQuote = n;
      }
      if (this.nextBackslash < i) {
        this.nextBackslash = b.indexOf(BACKSLASH, i);
        if (this.nextBackslash < 0) this.nextBackslash = n;
      }
      const q = this.nextQuote;
      const bs = this.nextBackslash;
      const next = bs < q ? bs : q;
      if (next >= n) return this.unterminated();
      if (this.hasWhitespaceControls) {
        const bad = this.controlBetween(i, next);
        if (bad >= 0) return this.controlInString(bad);
      }
      if (next === q) {
        this.escaped = escaped;
        return q;
      }
      escaped = true;
      i = this.escape(bs);
      if (i < 0) return -1;
    }
  }

  /** Validates the escape sequence at i (a backslash inside a string); returns the offset after it, or -1. */
  private escape(i: number): number {
    const b = this.b;
    const c = b[i + 1];
    if (c === 0x75 /* u */) {
      if (HEX[b[i + 2] ?? 0] && HEX[b[i + 3] ?? 0] && HEX[b[i + 4] ?? 0] && HEX[b[i + 5] ?? 0]) return i + 6;
      this.error = i + 5 >= this.n ? 'Unterminated string in JSON' : `Bad Unicode escape in JSON at byte ${i}`;
      return -1;
    }
    if (c !== undefined && SIMPLE_ESCAPE[c] === 1) return i + 2;
    this.error = c === undefined ? 'Unterminated string in JSON' : `Bad escaped character in JSON at byte ${i + 1}`;
    return -1;
  }

  private unterminated(): number {
    this.error = 'Unterminated string in JSON';
    return -1;
  }

  private controlInString(at: number): number {
    this.error = `Bad control character in string literal in JSON at byte ${at}`;
    return -1;
  }

  /** First tab, LF or CR in [s, e), or -1. Queries only move forward, so caches stay valid. */
  private controlBetween(s: number, e: number): number {
    const b = this.b;
    const n = this.n;
    if (this.nextTab < s) {
      this.nextTab = b.indexOf(TAB, s);
      if (this.nextTab < 0) this.nextTab = n;
    }
    if (this.nextLf < s) {
      this.nextLf = b.indexOf(LF, s);
      if (this.nextLf < 0) this.nextLf = n;
    }
    if (this.nextCr < s) {
      this.nextCr = b.indexOf(CR, s);
      if (this.nextCr < 0) this.nextCr = n;
    }
    const first = Math.min(this.nextTab, this.nextLf, this.nextCr);
    return first < e ? first : -1;
  }

  /** Scans a number per RFC 8259 at i. Returns the offset after it, or -1. */
  private scanNumber(i: number): number {
    const b = this.b;
    let p = i;
    if (b[p] === 0x2d) p++;
    const first = b[p];
    if (first === 0x30) {
      p++;
    } else if (first !== undefined && first >= 0x31 && first <= 0x39) {
      p++;
      while (isDigit(b[p])) p++;
    } else {
      return this.numberError(p);
    }
    if (b[p] === 0x2e /* . */) {
      p++;
      if (!isDigit(b[p])) return this.numberError(p);
      while (isDigit(b[p])) p++;
    }
    if (b[p] === 0x65 || b[p] === 0x45 /* e E */) {
      p++;
      if (b[p] === 0x2b || b[p] === 0x2d) p++;
      if (!isDigit(b[p])) return this.numberError(p);
      while (isDigit(b[p])) p++;
    }
    return p;
  }

  private numberError(p: number): number {
    this.error = p >= this.n ? 'Unexpected end of JSON input' : `No number after minus sign, point or exponent in JSON at byte ${p}`;
    return -1;
  }

  private skipWs(i: number): number {
    const b = this.b;
    for (;;) {
      const c = b[i];
      if (c === SPACE || c === LF || c === CR || c === TAB) i++;
      else return i;
    }
  }

  private materialise(found: Map<string, number>, starts: number[], ends: number[]): ScanResult {
    const values = new Map<string, unknown>();
    for (const [key, slot] of found) {
      values.set(key, JSON.parse(this.b.toString('utf8', starts[slot], ends[slot])));
    }
    if (!this.withSpans) return { ok: true, values };
    const spans = new Map<string, ValueSpan>();
    for (const [key, slot] of found) spans.set(key, { start: starts[slot]!, end: ends[slot]! });
    return { ok: true, values, spans };
  }

  private unexpected(i: number): ScanResult {
    if (i >= this.n) return this.fail('Unexpected end of JSON input');
    return this.fail(`Unexpected byte 0x${this.b[i]!.toString(16).padStart(2, '0')} in JSON at byte ${i}`);
  }

  private fail(error: string): ScanResult {
    return { ok: false, error };
  }
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function grow(stack: Uint8Array): Uint8Array {
  const bigger = new Uint8Array(stack.length * 2);
  bigger.set(stack);
  return bigger;
}
