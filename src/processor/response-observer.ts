/**
 * Watches one response on its way back: decompresses, feeds the API's usage parser, strips the
 * usage chunk we injected, and reports latency to the metrics hooks.
 */
import type { ResponseInfo, ResponseParser } from '../apis/api.js';
import { UsageChunkStripper } from '../apis/openai-usage-injection.js';
import type { RequestMetrics } from '../metrics/request-metrics.js';
import { createDecoder, type ResponseDecoder } from './decompress.js';

/** What the observer needs to know at response-headers time. */
export interface ResponseObserverOptions {
  /** Parser of the detected API for this response. */
  readonly parser: ResponseParser;
  /** `content-encoding` of the response. */
  readonly contentEncoding: string | undefined;
  /** Streaming (SSE / event-stream) response. */
  readonly streaming: boolean;
  /** Remove the usage-only chunk we asked for (OpenAI streams where the client did not). */
  readonly stripUsageChunk: boolean;
  readonly metrics: RequestMetrics;
  /** Cap on the decoded body (see decompress.ts); past it decoding stops. */
  readonly maxDecodedBytes?: number;
  /** Called once when the decoded body passes the cap. */
  readonly onDecodeLimit?: () => void;
}

/** Per-response state. */
export class ResponseObserver {
  private readonly decoder: ResponseDecoder;
  private readonly stripper: UsageChunkStripper | undefined;
  private chunks = 0;
  private firstReported = false;
  private limitReported = false;

  constructor(private readonly opts: ResponseObserverOptions) {
    this.decoder = createDecoder(opts.contentEncoding, opts.maxDecodedBytes);
    // An encoding we cannot decode (zstd on Node 20) is never rewritten: the client gets the
    // provider's bytes, usage chunk included, rather than undecodable ones.
    this.stripper = opts.stripUsageChunk && this.decoder.supported ? new UsageChunkStripper() : undefined;
  }

  /** True when the observer rewrites the body (the caller then drops content-length and content-encoding). */
  get rewritesBody(): boolean {
    return this.stripper !== undefined;
  }

  /**
   * Feeds one body chunk. Returns replacement bytes for the chunk when the body is rewritten,
   * else undefined (the chunk passes unchanged).
   */
  async push(chunk: Buffer, endOfStream: boolean): Promise<Buffer | undefined> {
    let decoded = await this.decoder.push(chunk);
    if (endOfStream) decoded = Buffer.concat([decoded, await this.decoder.end()]);
    if (decoded.length > 0) this.opts.parser.push(decoded);
    if (this.decoder.overLimit && !this.limitReported) {
      this.limitReported = true;
      this.opts.onDecodeLimit?.();
    }
    // Time to first token: the first body chunk of a streaming response that carries bytes (a
    // chunk an upstream translation emptied — an event that completes no client event — does not).
    if (chunk.length > 0) this.chunks++;
    if (this.opts.streaming && this.chunks === 1 && !this.firstReported) {
      this.firstReported = true;
      this.opts.metrics.recordTokenLatency(this.opts.parser.outputTokensSoFar ?? 0, { endOfStream: false });
    }
    if (!this.stripper || this.decoder.failed) return undefined; // corrupt upstream bytes pass as they are
    const out = this.stripper.push(decoded);
    return endOfStream ? Buffer.concat([out, this.stripper.end()]) : out;
  }

  /** Ends the body, reports the final token latency of a stream, and returns what the response told us. */
  end(): ResponseInfo {
    const info = this.opts.parser.end();
    if (this.opts.streaming && this.chunks > 0) {
      this.opts.metrics.recordTokenLatency(info.usage.output ?? 0, { endOfStream: true });
    }
    return info;
  }
}
