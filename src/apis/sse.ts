/**
 * Incremental parser for `text/event-stream` bodies (server-sent events), following the WHATWG
 * HTML "event stream interpretation" rules, fed with body chunks split at arbitrary bytes.
 *
 * - Lines end in CRLF, LF or CR; a CR ending one chunk and an LF starting the next are one end.
 * - `field:value` with exactly one leading space of the value removed; a line without a colon is
 *   a field with an empty value; lines starting with `:` are comments.
 * - `data` lines are joined with `\n`; `event` sets the type; `id` sets the last event id (kept
 *   across events, as the spec's "last event ID buffer", ignored when it contains U+0000);
 *   `retry` and unknown fields are ignored.
 * - A blank line dispatches the event when it has at least one `data` line.
 * - Text is UTF-8 with replacement of invalid sequences; a leading BOM is dropped. Bytes of an
 *   unfinished line are kept raw and decoded once the line is complete, so a character split
 *   across chunks decodes correctly.
 * - {@link SseParser.end} is lenient: an unterminated last line is processed and a pending event
 *   is dispatched without the closing blank line (providers sometimes omit it).
 *
 * Speed: line ends are found with `Buffer.indexOf` (positions cached per chunk, so no byte is
 * searched twice), field names are compared as bytes, and only field values are decoded.
 */

/** One dispatched server-sent event. */
export interface SseEvent {
  /** Value of the last `event` field of this event; absent for the default `message` type. */
  event?: string;
  /** The `data` lines joined with `\n`. */
  data: string;
  /** The last event id seen in the stream so far (absent if none, or set to empty). */
  id?: string;
}

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;

/** Longest field name of interest (`event`, `retry`) plus one. */
const NAME_SCAN = 6;

/** Incremental server-sent events parser; one instance per response body. Never throws on bad input. */
export class SseParser {
  /** Raw bytes of the unfinished line, in order (no line end among them). */
  private partial: Buffer[] = [];
  /** The previous chunk ended with CR: an LF starting the next chunk belongs to that line end. */
  private skipLf = false;
  /** No byte seen yet: a leading UTF-8 BOM is still to be dropped. */
  private atStart = true;
  private ended = false;
  private eventType = '';
  private data: string[] = [];
  private lastId = '';
  private out: SseEvent[] = [];

  /**
   * True between events: past the start of the body, no unfinished line, no field of a pending
   * event, no CR waiting for its LF. Bytes given to another reader at such a point cannot change
   * what this parser does next.
   */
  get idle(): boolean {
    return !this.atStart && !this.ended && !this.skipLf && this.partial.length === 0 && this.data.length === 0 && this.eventType === '';
  }

  /** Feeds the next chunk of the body; returns the events completed by it. Ignored after {@link end}. */
  push(chunk: Uint8Array): SseEvent[] {
    if (this.ended || chunk.length === 0) return [];
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = b.length;
    let i = 0;
    if (this.skipLf) {
      this.skipLf = false;
      if (b[0] === LF) i = 1;
    }
    let nextLf = -1;
    let nextCr = -1;
    while (i < n) {
      if (nextLf < i) {
        nextLf = b.indexOf(LF, i);
        if (nextLf < 0) nextLf = n;
      }
      if (nextCr < i) {
        nextCr = b.indexOf(CR, i);
        if (nextCr < 0) nextCr = n;
      }
      const end = nextLf < nextCr ? nextLf : nextCr;
      if (end >= n) {
        // No line end in the rest of the chunk: keep the bytes for the next one.
        // Copied, because the caller may reuse the chunk's memory.
        this.partial.push(Buffer.from(b.subarray(i)));
        break;
      }
      if (this.partial.length > 0) {
        this.partial.push(b.subarray(i, end));
        const line = Buffer.concat(this.partial);
        this.partial = [];
        this.line(line, 0, line.length);
      } else {
        this.line(b, i, end);
      }
      if (end === nextCr) {
        if (end + 1 < n) {
          i = b[end + 1] === LF ? end + 2 : end + 1;
        } else {
          this.skipLf = true;
          i = n;
        }
      } else {
        i = end + 1;
      }
    }
    return this.take();
  }

  /**
   * Ends the body: processes an unterminated last line and dispatches a pending event even
   * without the closing blank line. Returns the events this completes; later calls return none.
   */
  end(): SseEvent[] {
    if (this.ended) return [];
    if (this.partial.length > 0) {
      const line = Buffer.concat(this.partial);
      this.partial = [];
      this.line(line, 0, line.length);
    }
    this.dispatch();
    this.ended = true;
    return this.take();
  }

  private take(): SseEvent[] {
    if (this.out.length === 0) return [];
    const events = this.out;
    this.out = [];
    return events;
  }

  /** Interprets the line b[s, e) (without its line end). */
  private line(b: Buffer, s: number, e: number): void {
    if (this.atStart) {
      this.atStart = false;
      if (e - s >= 3 && b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf) s += 3;
    }
    if (s === e) {
      this.dispatch();
      return;
    }
    const first = b[s];
    if (first === COLON) return; // comment
    // Field name: up to the first colon. Names of interest are at most 5 bytes, so only the
    // first few bytes are looked at; a longer name (length NAME_SCAN or more) matches nothing.
    let colon = s;
    const limit = Math.min(e, s + NAME_SCAN);
    while (colon < limit && b[colon] !== COLON) colon++;
    let v = colon + 1;
    if (v > e) v = e;
    else if (b[v] === SPACE) v++;
    const nameLen = colon - s;
    if (nameLen === 4 && first === 0x64 && b[s + 1] === 0x61 && b[s + 2] === 0x74 && b[s + 3] === 0x61) {
      // data
      this.data.push(v < e ? b.toString('utf8', v, e) : '');
    } else if (nameLen === 5 && first === 0x65 && b[s + 1] === 0x76 && b[s + 2] === 0x65 && b[s + 3] === 0x6e && b[s + 4] === 0x74) {
      // event
      this.eventType = v < e ? b.toString('utf8', v, e) : '';
    } else if (nameLen === 2 && first === 0x69 && b[s + 1] === 0x64) {
      // id
      const id = v < e ? b.toString('utf8', v, e) : '';
      if (!id.includes('\0')) this.lastId = id;
    }
    // retry and other fields: ignored.
  }

  private dispatch(): void {
    if (this.data.length === 0) {
      this.eventType = '';
      return;
    }
    const event: SseEvent = { data: this.data.length === 1 ? this.data[0]! : this.data.join('\n') };
    if (this.eventType !== '') event.event = this.eventType;
    if (this.lastId !== '') event.id = this.lastId;
    this.out.push(event);
    this.data = [];
    this.eventType = '';
  }
}
