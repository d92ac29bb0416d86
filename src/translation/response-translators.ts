/**
 * The {@link ResponseTranslator} shapes every pair is built from: a stream translator (an event
 * source feeding a converter, bytes out per chunk), a whole-JSON translator (a body is whole by
 * nature; capped), a provider-error translator (the client's error shape) and a pass-through.
 */
import type { ErrorShape } from '../apis/api.js';
import { BoundedBody } from '../apis/response-readers.js';
import type { HeaderChanges, ResponseTranslator } from './contract.js';
import { readProviderError, renderClientError } from './error-types.js';
import { EMPTY } from './openai-chunks.js';
import type { EventSource, ProviderEvent } from './provider-events.js';

/** Largest whole JSON response translated (beyond it the client gets a 502-style error body). */
export const MAX_JSON_RESPONSE_BYTES = 32 * 1024 * 1024;
/** Largest provider error body read (the rest is dropped). */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Events in, client bytes out. */
export interface StreamConverter {
  /**
   * Optional byte-level fast path: translates the complete events at the start of
   * `chunk[from..]` it recognises, appending their client bytes to `out`; returns the offset of
   * the first byte it did not take. Called only while the source is idle (between events).
   */
  fast?(chunk: Buffer, from: number, out: Buffer[]): number;
  event(e: ProviderEvent): void;
  /** The provider stream ended. */
  end?(): void;
  /** Client bytes written since the last call. */
  take(): Buffer;
}

const SSE_HEADERS: HeaderChanges = { set: [['content-type', 'text/event-stream']], remove: ['content-length'] };
const JSON_HEADERS: HeaderChanges = { set: [['content-type', 'application/json']], remove: ['content-length'] };

/** A provider stream rewritten event by event; holds only the unfinished event or frame. */
export class StreamTranslator implements ResponseTranslator {
  readonly headers = SSE_HEADERS;
  private ended = false;

  constructor(
    private readonly source: EventSource,
    private readonly converter: StreamConverter,
  ) {}

  push(chunk: Buffer, end: boolean): Buffer {
    if (this.ended) return EMPTY;
    if (this.converter.fast !== undefined && this.source.idle === true) {
      const out: Buffer[] = [];
      const at = this.converter.fast(chunk, 0, out);
      if (at === chunk.length && !end) return out.length === 1 ? out[0]! : Buffer.concat(out);
      if (at > 0) {
        for (const e of this.source.push(chunk.subarray(at))) this.converter.event(e);
        if (end) this.finish();
        out.push(this.converter.take());
        return Buffer.concat(out);
      }
    }
    for (const e of this.source.push(chunk)) this.converter.event(e);
    if (end) this.finish();
    return this.converter.take();
  }

  private finish(): void {
    this.ended = true;
    for (const e of this.source.end()) this.converter.event(e);
    this.converter.end?.();
  }
}

/** A whole JSON body rewritten at its end; a body `convert` does not recognise passes unchanged. */
export class JsonTranslator implements ResponseTranslator {
  readonly headers = JSON_HEADERS;
  private readonly body = new BoundedBody(MAX_JSON_RESPONSE_BYTES);
  private ended = false;

  constructor(
    private readonly convert: (body: unknown) => Record<string, unknown> | undefined,
    private readonly shape: ErrorShape,
  ) {}

  push(chunk: Buffer, end: boolean): Buffer {
    if (this.ended) return EMPTY;
    this.body.push(chunk);
    if (!end) return EMPTY;
    this.ended = true;
    if (this.body.overflowed) {
      return Buffer.from(renderClientError(this.shape, 502, { message: 'the provider response is too large to translate' }).body);
    }
    const raw = this.body.bytes();
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      return Buffer.from(renderClientError(this.shape, 502, { message: 'the provider response is not valid JSON' }).body);
    }
    const out = this.convert(parsed);
    return out === undefined ? Buffer.from(raw) : Buffer.from(JSON.stringify(out), 'utf8');
  }
}

/** A provider error body rewritten in the client's error shape, status unchanged. */
export class ErrorTranslator implements ResponseTranslator {
  readonly headers: HeaderChanges;
  private parts: Buffer[] = [];
  private size = 0;
  private ended = false;

  constructor(
    private readonly shape: ErrorShape,
    private readonly status: number,
    private readonly responseHeaders: Readonly<Record<string, string>>,
  ) {
    const extra = renderClientError(shape, status, { message: '' }).headers;
    this.headers = {
      set: [['content-type', 'application/json'], ...Object.entries(extra)],
      remove: ['content-length', ...(shape === 'bedrock' ? [] : ['x-amzn-errortype'])],
    };
  }

  push(chunk: Buffer, end: boolean): Buffer {
    if (this.ended) return EMPTY;
    if (this.size < MAX_ERROR_BODY_BYTES && chunk.length > 0) {
      const take = chunk.subarray(0, MAX_ERROR_BODY_BYTES - this.size);
      this.parts.push(Buffer.from(take));
      this.size += take.length;
    }
    if (!end) return EMPTY;
    this.ended = true;
    const text = Buffer.concat(this.parts).toString('utf8');
    this.parts = [];
    return Buffer.from(renderClientError(this.shape, this.status, readProviderError(text, this.responseHeaders)).body, 'utf8');
  }
}

/** Bytes unchanged. */
export class PassThrough implements ResponseTranslator {
  readonly headers: HeaderChanges = { set: [], remove: [] };
  push(chunk: Buffer): Buffer {
    return chunk;
  }
}

/** True for a streamed response (SSE or the AWS event stream). */
export function isStreamType(contentType: string | undefined): boolean {
  return /^\s*(text\/event-stream|application\/vnd\.amazon\.eventstream)/i.test(contentType ?? '');
}

/** True when the response body is content-encoded (it cannot be rewritten byte by byte here). */
export function isEncoded(headers: Readonly<Record<string, string>>): boolean {
  const enc = headers['content-encoding'];
  return enc !== undefined && enc.trim() !== '' && enc.trim().toLowerCase() !== 'identity';
}
