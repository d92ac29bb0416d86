/**
 * Splits a streamed JSON array (`[{…},{…}]`, as Gemini's `streamGenerateContent` sends without
 * `alt=sse`) into the texts of its elements as each one completes. A body whose top level is an
 * object (an error reply) comes out as one element. Strings are skipped with `indexOf`, so base64
 * payloads cost little; an element larger than the cap is dropped and counted.
 */
import type { EventDecoder } from './response-readers.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** Incremental splitter of a top-level JSON array into element texts. */
export class JsonArraySplitter implements EventDecoder<string> {
  private started = false;
  private topArray = false;
  private depth = 0;
  private inString = false;
  private escapePending = false;
  private pieces: Buffer[] = [];
  private size = 0;
  private collecting = false;
  private oversized = false;
  private done = false;
  /** Elements dropped for exceeding the cap. */
  dropped = 0;

  /** Set once an element was dropped for exceeding the cap. */
  get lastError(): string | undefined {
    return this.dropped > 0 ? `${this.dropped} element(s) over ${this.maxElementBytes} bytes dropped` : undefined;
  }

  constructor(private readonly maxElementBytes: number = 8 * 1024 * 1024) {}

  push(chunk: Uint8Array): string[] {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: string[] = [];
    const n = b.length;
    let start = this.collecting ? 0 : -1;
    let nextBackslash = -1;
    let i = 0;
    while (i < n && !this.done) {
      if (this.inString) {
        if (this.escapePending) {
          this.escapePending = false;
          i++;
          continue;
        }
        const q = b.indexOf(QUOTE, i);
        if (nextBackslash < i && nextBackslash !== n) {
          const s = b.indexOf(BACKSLASH, i);
          nextBackslash = s < 0 ? n : s;
        }
        if (q < 0 && nextBackslash >= n) {
          i = n;
          break;
        }
        if (nextBackslash < n && (q < 0 || nextBackslash < q)) {
          i = nextBackslash + 1;
          this.escapePending = true;
          continue;
        }
        this.inString = false;
        i = q + 1;
        continue;
      }
      const c = b[i]!;
      if (!this.started) {
        if (isWs(c)) {
          i++;
          continue;
        }
        this.started = true;
        if (c === OPEN_ARRAY) {
          this.topArray = true;
          this.depth = 1;
          i++;
          continue;
        }
      }
      const elementLevel = this.topArray ? 1 : 0;
      if (!this.collecting) {
        if (this.topArray && this.depth === 1 && (isWs(c) || c === 0x2c)) {
          i++;
          continue;
        }
        if (this.topArray && this.depth === 1 && c === CLOSE_ARRAY) {
          this.done = true;
          break;
        }
        if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) {
          // Scalars are not elements we look at; skip the byte.
          i++;
          continue;
        }
        this.collecting = true;
        start = i;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_OBJECT || c === OPEN_ARRAY) this.depth++;
      else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        this.depth--;
        if (this.depth === elementLevel) {
          this.keep(b.subarray(start, i + 1));
          const text = this.take();
          if (text !== undefined) out.push(text);
          start = -1;
          if (!this.topArray) this.done = true;
        }
      }
      i++;
    }
    if (this.collecting && start >= 0) this.keep(b.subarray(start, Math.min(i, n)));
    return out;
  }

  end(): string[] {
    this.pieces = [];
    this.collecting = false;
    this.done = true;
    return [];
  }

  private keep(part: Buffer): void {
    if (this.oversized) return;
    if (this.size + part.length > this.maxElementBytes) {
      this.oversized = true;
      this.pieces = [];
      return;
    }
    this.pieces.push(Buffer.from(part));
    this.size += part.length;
  }

  private take(): string | undefined {
    const text = this.oversized ? undefined : Buffer.concat(this.pieces, this.size).toString('utf8');
    if (this.oversized) this.dropped++;
    this.pieces = [];
    this.size = 0;
    this.oversized = false;
    this.collecting = false;
    return text;
  }
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
