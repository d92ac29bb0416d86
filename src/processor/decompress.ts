/**
 * Incremental decoding of a response body by its `content-encoding`, one decoder per response:
 * each chunk is fed once to a zlib stream (never re-decompressed from the start). zlib's
 * public streaming API is asynchronous, so `push` and `end` return promises; call them in order
 * (the decoder also serialises overlapping calls itself).
 *
 * Supported: `gzip`/`x-gzip`, `br`, `deflate` (zlib-wrapped or raw — told apart by the first two
 * bytes, since servers send both), `zstd` when this Node has `zlib.createZstdDecompress`,
 * `identity`, and lists of them (`gzip, br`: decoded in reverse order). Anything else passes the
 * bytes through unchanged with `supported` false. Corrupt input sets `failed` and never throws;
 * output decoded before the corruption is still returned, later chunks give nothing.
 *
 * Output is capped (`maxOutputBytes` per coding, default {@link DEFAULT_MAX_DECODED_BYTES}): a
 * small compressed body can expand a thousandfold or more, and one chunk's output is held in
 * memory until it is returned. Past the cap the decoder stops, sets `failed` and `overLimit`,
 * and returns nothing more.
 */
import * as zlib from 'node:zlib';
import type { Transform } from 'node:stream';

/** Incremental decoder of one response body. */
export interface ResponseDecoder {
  /** Decodes the next chunk; resolves with the bytes it produced (maybe none). Never rejects. */
  push(chunk: Buffer): Promise<Buffer>;
  /** Ends the body; resolves with the last bytes. Never rejects. */
  end(): Promise<Buffer>;
  /** True once the input turned out to be corrupt (or truncated, at `end`). */
  readonly failed: boolean;
  /** False when the encoding is not one we decode: the bytes then pass through unchanged. */
  readonly supported: boolean;
  /** The encoding, normalised (lower case, `x-gzip` → `gzip`, empty for none). */
  readonly encoding: string;
  /** True once the decoded output passed the cap (then `failed` is true too). */
  readonly overLimit: boolean;
}

const EMPTY = Buffer.alloc(0);

/** Default cap on the decoded size of one response body: 64 MiB. */
export const DEFAULT_MAX_DECODED_BYTES = 64 * 1024 * 1024;

type ZstdFactory = () => Transform;

/** `zlib.createZstdDecompress` when this Node has it (22.15+), else undefined. */
function zstdFactory(): ZstdFactory | undefined {
  const f = (zlib as unknown as Record<string, unknown>)['createZstdDecompress'];
  return typeof f === 'function' ? () => (f as () => Transform).call(zlib) : undefined;
}

/** True when `b0 b1` is a zlib (RFC 1950) header: method 8 (deflate), window ≤ 32 KiB, check bits valid. */
export function isZlibHeader(b0: number, b1: number): boolean {
  return (b0 & 0x0f) === 8 && b0 >> 4 <= 7 && ((b0 << 8) | b1) % 31 === 0;
}

/** Passes bytes through. */
class IdentityDecoder implements ResponseDecoder {
  readonly failed = false;
  readonly overLimit = false;
  constructor(
    readonly encoding: string,
    readonly supported: boolean,
  ) {}
  push(chunk: Buffer): Promise<Buffer> {
    return Promise.resolve(chunk);
  }
  end(): Promise<Buffer> {
    return Promise.resolve(EMPTY);
  }
}

/** Decodes through one zlib Transform stream, created when the first bytes arrive. */
class ZlibDecoder implements ResponseDecoder {
  readonly supported = true;
  private stream: Transform | undefined;
  private out: Buffer[] = [];
  private head: Buffer = EMPTY;
  private ended = false;
  private broken = false;
  private produced = 0;
  private capped = false;
  private queue: Promise<unknown> = Promise.resolve();
  /** Wakes a pending write or end when the stream errors (its callbacks may never run then). */
  private wake: (() => void) | undefined;

  /**
   * @param makeStream creates the zlib stream, given the first bytes (at least two unless the body is shorter).
   */
  constructor(
    readonly encoding: string,
    private readonly makeStream: (head: Buffer) => Transform,
    private readonly headBytes: number,
    private readonly maxOutput: number,
  ) {}

  get failed(): boolean {
    return this.broken;
  }

  get overLimit(): boolean {
    return this.capped;
  }

  push(chunk: Buffer): Promise<Buffer> {
    return this.enqueue(() => this.doPush(chunk));
  }

  end(): Promise<Buffer> {
    return this.enqueue(() => this.doEnd());
  }

  private enqueue(op: () => Promise<Buffer>): Promise<Buffer> {
    const next = this.queue.then(op, op).catch((): Buffer => {
      this.broken = true;
      return this.take();
    });
    this.queue = next;
    return next;
  }

  private async doPush(chunk: Buffer): Promise<Buffer> {
    if (this.broken || this.ended || chunk.length === 0) return EMPTY;
    if (!this.stream) {
      this.head = this.head.length ? Buffer.concat([this.head, chunk]) : chunk;
      if (this.head.length < this.headBytes) return EMPTY;
      chunk = this.head;
      this.head = EMPTY;
      this.open(chunk);
    }
    return this.write(chunk);
  }

  private async doEnd(): Promise<Buffer> {
    if (this.ended) return EMPTY;
    this.ended = true;
    if (!this.stream) {
      if (this.head.length === 0) return EMPTY; // empty body
      this.open(this.head);
      const out = await this.write(this.head);
      return Buffer.concat([out, await this.finish()]);
    }
    return this.finish();
  }

  private open(head: Buffer): void {
    const stream = this.makeStream(head);
    stream.on('data', (d: Buffer) => {
      if (this.capped) return;
      this.produced += d.length;
      if (this.produced > this.maxOutput) {
        this.capped = true;
        this.broken = true;
        this.out = [];
        stream.destroy();
        this.wake?.();
        return;
      }
      this.out.push(d);
    });
    stream.on('error', () => {
      this.broken = true;
      this.wake?.();
    });
    this.stream = stream;
  }

  private take(): Buffer {
    const out = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out);
    this.out = [];
    return out;
  }

  /** Resolves with the output of `chunk` once zlib has consumed it (its data events come first). */
  private write(chunk: Buffer): Promise<Buffer> {
    return this.drain((stream, settle) =>
      stream.write(chunk, (err) => {
        if (err) this.broken = true;
        settle();
      }),
    );
  }

  /** Ends the zlib stream and resolves with its remaining output, after its `end` (or an error). */
  private finish(): Promise<Buffer> {
    return this.drain((stream, settle) => {
      stream.once('end', settle);
      stream.end();
    });
  }

  /**
   * Runs `start` on the zlib stream and resolves with the output taken once it calls `settle`
   * or the stream errors, whichever is first; at once when the stream has already failed.
   */
  private drain(start: (stream: Transform, settle: () => void) => void): Promise<Buffer> {
    const stream = this.stream!;
    if (this.broken) return Promise.resolve(this.take());
    return new Promise<Buffer>((resolve) => {
      let settled = false;
      const settle = (): void => {
        if (settled) return;
        settled = true;
        this.wake = undefined;
        resolve(this.take());
      };
      this.wake = settle;
      start(stream, settle);
    });
  }
}

/** Feeds the output of each decoder into the next (for `content-encoding: gzip, br`). */
class ChainDecoder implements ResponseDecoder {
  readonly supported = true;
  constructor(
    readonly encoding: string,
    private readonly stages: readonly ResponseDecoder[],
  ) {}

  get failed(): boolean {
    return this.stages.some((s) => s.failed);
  }

  get overLimit(): boolean {
    return this.stages.some((s) => s.overLimit);
  }

  async push(chunk: Buffer): Promise<Buffer> {
    let data = chunk;
    for (const s of this.stages) data = await s.push(data);
    return data;
  }

  async end(): Promise<Buffer> {
    let carry: Buffer = EMPTY;
    for (const s of this.stages) {
      const pushed = carry.length ? await s.push(carry) : EMPTY;
      const tail = await s.end();
      carry = pushed.length && tail.length ? Buffer.concat([pushed, tail]) : pushed.length ? pushed : tail;
    }
    return carry;
  }
}

/** A decoder for one coding token, or undefined when unsupported. */
function single(token: string, max: number): ResponseDecoder | undefined {
  switch (token) {
    case 'gzip':
      return new ZlibDecoder('gzip', () => zlib.createGunzip(), 1, max);
    case 'br':
      return new ZlibDecoder('br', () => zlib.createBrotliDecompress(), 1, max);
    case 'deflate':
      return new ZlibDecoder(
        'deflate',
        (head) => (head.length >= 2 && isZlibHeader(head[0]!, head[1]!) ? zlib.createInflate() : zlib.createInflateRaw()),
        2,
        max,
      );
    case 'zstd': {
      const make = zstdFactory();
      return make ? new ZlibDecoder('zstd', make, 1, max) : undefined;
    }
    default:
      return undefined;
  }
}

/** True when this Node can decode `zstd`. */
export function zstdSupported(): boolean {
  return zstdFactory() !== undefined;
}

/**
 * Creates the decoder for a response's `content-encoding` header value (undefined or empty:
 * identity), whose output stops past `maxOutputBytes`.
 */
export function createDecoder(contentEncoding: string | undefined, maxOutputBytes: number = DEFAULT_MAX_DECODED_BYTES): ResponseDecoder {
  const tokens = (contentEncoding ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .map((t) => (t === 'x-gzip' ? 'gzip' : t))
    .filter((t) => t !== '' && t !== 'identity');
  const encoding = tokens.join(', ');
  if (tokens.length === 0) return new IdentityDecoder('', true);
  // Codings are listed in the order they were applied: undo them last first.
  const stages: ResponseDecoder[] = [];
  for (const t of tokens.reverse()) {
    const d = single(t, maxOutputBytes);
    if (!d) return new IdentityDecoder(encoding, false);
    stages.push(d);
  }
  return stages.length === 1 ? stages[0]! : new ChainDecoder(encoding, stages);
}
