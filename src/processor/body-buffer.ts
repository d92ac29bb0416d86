/**
 * Collects request body chunks up to a byte limit without copying until the body is taken.
 */

/** A bounded list of chunks. */
export class BodyBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private overflowed = false;

  /** @param limit largest body accepted, in bytes. */
  constructor(private readonly limit: number) {}

  /**
   * Adds a chunk; false when the body would exceed the limit. Overflow is final: what was held
   * is released and every later append is refused too, so a truncated body is never taken.
   */
  append(chunk: Buffer): boolean {
    if (this.overflowed || this.size + chunk.length > this.limit) {
      this.overflowed = true;
      this.chunks = [];
      this.size = 0;
      return false;
    }
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
    return true;
  }

  /** Bytes held. */
  get length(): number {
    return this.size;
  }

  /** Returns the whole body (no copy for a single chunk) and empties the buffer. */
  take(): Buffer {
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    return body;
  }
}
