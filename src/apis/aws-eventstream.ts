/**
 * Incremental decoder of the AWS event-stream binary framing (`application/vnd.amazon.eventstream`)
 * used by Bedrock `converse-stream` and `invoke-with-response-stream` responses.
 *
 * Frame layout (big-endian): total length (4) · headers length (4) · prelude CRC32 (4) ·
 * headers · payload · message CRC32 (4). Frames may arrive split at any byte across body
 * chunks; this class does the framing and hands each complete frame to the Smithy codec
 * (`@smithy/core/event-streams`, the implementation behind `@smithy/eventstream-codec`), which
 * checks both CRCs and parses the headers.
 *
 * A corrupt frame (bad CRC, impossible lengths, unparsable headers) never throws: it is counted
 * in {@link AwsEventStreamParser.errors} and decoding stops there, since after a bad length the
 * frame boundaries of the rest of the stream cannot be trusted.
 */
import { Crc32 } from '@smithy/core/checksum';
import { EventStreamCodec, type MessageHeaders } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';

/** One decoded event-stream frame. */
export interface AwsEvent {
  /** `:event-type` header (e.g. `messageStart`, `contentBlockDelta`, `metadata`, `chunk`). */
  eventType?: string;
  /** `:message-type` header: `event`, `exception` or `error`. */
  messageType?: string;
  /** `:exception-type` header of exception frames (e.g. `throttlingException`). */
  exceptionType?: string;
  /** Frame payload (for Bedrock, JSON). A copy: it does not alias the pushed chunks. */
  payload: Uint8Array;
}

const PRELUDE_LENGTH = 12; // total length, headers length, prelude CRC
const MIN_FRAME_LENGTH = 16; // prelude + message CRC
/** Largest frame the AWS event-stream format allows (16 MiB). */
const MAX_FRAME_LENGTH = 16 * 1024 * 1024;
/** Largest headers section the AWS event-stream format allows (128 KiB). */
const MAX_HEADERS_LENGTH = 128 * 1024;

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** Incremental event-stream decoder; one instance per response body. Never throws on bad input. */
export class AwsEventStreamParser {
  /** Buffered bytes not yet decoded, in order. */
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Length of the frame being assembled, once its prelude has been checked; else 0. */
  private frameLength = 0;
  private failed = false;
  private ended = false;
  private errorCount = 0;
  private lastErrorMessage: string | undefined;

  /** Number of corrupt or truncated frames met (0 or 1: decoding stops at the first). */
  get errors(): number {
    return this.errorCount;
  }

  /** Why decoding stopped, when it did. */
  get lastError(): string | undefined {
    return this.lastErrorMessage;
  }

  /** Feeds the next chunk of the body; returns the frames completed by it. */
  push(chunk: Uint8Array): AwsEvent[] {
    if (this.failed || this.ended || chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const events: AwsEvent[] = [];
    for (;;) {
      if (this.frameLength === 0) {
        if (this.buffered < PRELUDE_LENGTH) break;
        const prelude = this.peek(PRELUDE_LENGTH);
        const problem = checkPrelude(prelude);
        if (problem !== undefined) {
          this.fail(problem);
          break;
        }
        this.frameLength = readUint32(prelude, 0);
      }
      if (this.buffered < this.frameLength) break;
      const frame = this.take(this.frameLength);
      this.frameLength = 0;
      try {
        events.push(toEvent(codec.decode(frame)));
      } catch (err) {
        this.fail(err instanceof Error ? err.message : String(err));
        break;
      }
    }
    // Bytes kept for the next push must not alias the caller's chunk (its memory may be reused).
    // Earlier leftovers are copies already, so only the tail of this chunk is copied, once.
    // (`new Uint8Array(view)` copies; `Buffer#slice` would not.)
    const last = this.chunks.length - 1;
    if (last >= 0 && this.chunks[last]!.buffer === chunk.buffer) this.chunks[last] = new Uint8Array(this.chunks[last]!);
    return events;
  }

  /**
   * Ends the body. Every complete frame was already returned by {@link push}; leftover bytes
   * (a truncated frame) are counted as an error. Returns no events.
   */
  end(): AwsEvent[] {
    if (!this.ended && !this.failed && this.buffered > 0) {
      this.fail(`stream ended inside a frame (${this.buffered} bytes left over)`);
    }
    this.ended = true;
    return [];
  }

  private fail(message: string): void {
    this.failed = true;
    this.errorCount++;
    this.lastErrorMessage = message;
    this.chunks = [];
    this.buffered = 0;
  }

  /** The first `length` buffered bytes, without consuming them (length ≤ buffered). */
  private peek(length: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= length) return first.subarray(0, length);
    const merged = concat(this.chunks, this.buffered);
    this.chunks = [merged];
    return merged.subarray(0, length);
  }

  /** Removes and returns the first `length` buffered bytes (length ≤ buffered). */
  private take(length: number): Uint8Array {
    let first = this.chunks[0]!;
    if (first.length < length) {
      first = concat(this.chunks, this.buffered);
      this.chunks = [first];
    }
    const frame = first.subarray(0, length);
    if (first.length === length) this.chunks.shift();
    else this.chunks[0] = first.subarray(length);
    this.buffered -= length;
    return frame;
  }
}

/** Checks lengths and the prelude CRC of a frame's first 12 bytes; returns the problem, if any. */
function checkPrelude(prelude: Uint8Array): string | undefined {
  const total = readUint32(prelude, 0);
  const headers = readUint32(prelude, 4);
  if (total < MIN_FRAME_LENGTH || total > MAX_FRAME_LENGTH) return `bad frame length ${total}`;
  if (headers > MAX_HEADERS_LENGTH || headers > total - MIN_FRAME_LENGTH) return `bad headers length ${headers}`;
  const crc = new Crc32();
  crc.update(prelude.subarray(0, 8));
  if (crc.digestSync() !== readUint32(prelude, 8)) return 'prelude checksum mismatch';
  return undefined;
}

function toEvent(message: { headers: MessageHeaders; body: Uint8Array }): AwsEvent {
  const event: AwsEvent = { payload: new Uint8Array(message.body) };
  const eventType = stringHeader(message.headers, ':event-type');
  if (eventType !== undefined) event.eventType = eventType;
  const messageType = stringHeader(message.headers, ':message-type');
  if (messageType !== undefined) event.messageType = messageType;
  const exceptionType = stringHeader(message.headers, ':exception-type');
  if (exceptionType !== undefined) event.exceptionType = exceptionType;
  return event;
}

function stringHeader(headers: MessageHeaders, name: string): string | undefined {
  const header = Object.prototype.hasOwnProperty.call(headers, name) ? headers[name] : undefined;
  return header?.type === 'string' ? header.value : undefined;
}

function readUint32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
