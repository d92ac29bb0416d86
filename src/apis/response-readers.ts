/**
 * Building blocks for response parsers: a bounded buffer for whole-body JSON responses and a
 * driver that feeds server-sent events to a per-API handler. Both never throw on bad input.
 */
import type { ResponseInfo, ResponseParser } from './api.js';
import { leadingType } from './json-fields.js';
import { scanTopLevel } from './json-scan.js';
import { errorTypeOf } from './provider-error.js';
import { SseParser, type SseEvent } from './sse.js';

/** Largest non-streamed response body buffered for usage; beyond it usage is given up. */
export const MAX_BUFFERED_RESPONSE_BYTES = 8 * 1024 * 1024;

/** Options every API's `newResponseParser` receives. */
export interface ParserOptions {
  readonly stream: boolean;
  readonly contentType: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** True for `text/event-stream` content types (any case, any parameters). */
export function isEventStream(contentType: string): boolean {
  return /^\s*text\/event-stream/i.test(contentType);
}

/** True for JSON content types (`application/json`, `application/problem+json`, …). */
export function isJsonType(contentType: string): boolean {
  return /json/i.test(contentType);
}

/** Keys every whole-body reader asks for, so provider error objects are recognised. */
const ERROR_KEYS = ['error', 'type', '__type'] as const;

/** Top-level keys to read from a JSON body, error keys included. */
export function responseKeys(...keys: string[]): ReadonlySet<string> {
  return new Set([...keys, ...ERROR_KEYS]);
}

/** Collects body chunks up to a byte cap; past the cap it drops everything and remembers that. */
export class BoundedBody {
  private parts: Buffer[] = [];
  private size = 0;
  private over = false;

  constructor(private readonly cap: number = MAX_BUFFERED_RESPONSE_BYTES) {}

  /** Appends a copy of `chunk` (the caller may reuse its buffer). */
  push(chunk: Uint8Array): void {
    if (this.over || chunk.length === 0) return;
    if (this.size + chunk.length > this.cap) {
      this.over = true;
      this.parts = [];
      this.size = 0;
      return;
    }
    this.parts.push(Buffer.from(chunk));
    this.size += chunk.length;
  }

  /** True once more than the cap arrived. */
  get overflowed(): boolean {
    return this.over;
  }

  /** Number of bytes held. */
  get length(): number {
    return this.size;
  }

  /** The bytes held, as one buffer. */
  bytes(): Buffer {
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
  }
}

/** Options of {@link jsonResponseParser}. */
export interface JsonReaderOptions {
  /** Byte cap of the buffered body (default {@link MAX_BUFFERED_RESPONSE_BYTES}). */
  readonly maxBytes?: number;
  /** Content type of the response; with `requireJson`, non-JSON bodies are not buffered at all. */
  readonly contentType?: string;
  /** Skip bodies whose content type is not JSON (audio, images returned as bytes). */
  readonly requireJson?: boolean;
}

/**
 * Parser for a whole (non-streamed) JSON response: buffers up to a cap, then reads only the
 * top-level `keys` (plus error keys) with the validating scanner, so large members such as
 * embedding vectors or base64 images are never materialised. `read` maps those fields to facts;
 * provider error objects are recognised for every API.
 */
export function jsonResponseParser(
  keys: ReadonlySet<string>,
  read: (top: Readonly<Record<string, unknown>>) => ResponseInfo,
  opts: JsonReaderOptions = {},
): ResponseParser {
  const skip = opts.requireJson === true && !isJsonType(opts.contentType ?? '');
  const body = new BoundedBody(opts.maxBytes);
  let result: ResponseInfo | undefined;
  return {
    push(chunk: Uint8Array): void {
      if (!skip && result === undefined) body.push(chunk);
    },
    end(): ResponseInfo {
      if (result !== undefined) return result;
      if (body.overflowed) result = { usage: {}, parseError: 'body_too_large' };
      else if (skip || body.length === 0) result = { usage: {} };
      else result = readJsonBody(body.bytes(), keys, read);
      return result;
    },
  };
}

/** Scans a complete JSON body and maps its top-level fields; never throws. */
export function readJsonBody(
  bytes: Uint8Array,
  keys: ReadonlySet<string>,
  read: (top: Readonly<Record<string, unknown>>) => ResponseInfo,
): ResponseInfo {
  const scan = scanTopLevel(bytes, keys);
  if (!scan.ok) return { usage: {}, parseError: 'invalid_json' };
  const top: Record<string, unknown> = Object.fromEntries(scan.values);
  let info: ResponseInfo;
  try {
    info = read(top);
  } catch {
    info = { usage: {}, parseError: 'unreadable_body' };
  }
  if (info.errorType === undefined) {
    const errorType = errorTypeOf(top);
    if (errorType !== undefined) info = { ...info, errorType };
  }
  return info;
}

/** Per-API logic fed with decoded events of a streamed response. */
export interface StreamHandler<E> {
  /** Handles one event; should not throw (a throw is contained and reported as `parseError`). */
  onEvent(event: E): void;
  /** Facts learnt once the stream ended. */
  finish(): ResponseInfo;
  /** Output tokens reported so far, for APIs whose streams report them progressively. */
  readonly outputTokensSoFar?: number;
}

/** Minimal decoder interface shared by the SSE and AWS event-stream parsers. */
export interface EventDecoder<E> {
  push(chunk: Uint8Array): E[];
  end(): E[];
  /** Why decoding stopped or skipped data, when it did (reported as `parseError`). */
  readonly lastError?: string;
}

/**
 * Drives `handler` with the events `decoder` finds in the body chunks. Contains any throw from
 * either side, so the response keeps flowing whatever the body holds.
 */
export function eventStreamParser<E>(decoder: EventDecoder<E>, handler: StreamHandler<E>): ResponseParser {
  let failure: string | undefined;
  let result: ResponseInfo | undefined;
  const feed = (events: () => E[]): void => {
    if (failure !== undefined) return;
    try {
      for (const ev of events()) handler.onEvent(ev);
    } catch {
      failure = 'unreadable_stream';
    }
  };
  return {
    push(chunk: Uint8Array): void {
      if (result === undefined) feed(() => decoder.push(chunk));
    },
    get outputTokensSoFar(): number | undefined {
      try {
        return handler.outputTokensSoFar;
      } catch {
        return undefined;
      }
    },
    end(): ResponseInfo {
      if (result !== undefined) return result;
      feed(() => decoder.end());
      let info: ResponseInfo;
      try {
        info = handler.finish();
      } catch {
        info = { usage: {}, parseError: 'unreadable_stream' };
      }
      failure ??= decoder.lastError !== undefined ? 'corrupt_stream' : undefined;
      result = failure !== undefined && info.parseError === undefined ? { ...info, parseError: failure } : info;
      return result;
    },
  };
}

/** {@link eventStreamParser} over server-sent events. */
export function sseResponseParser(handler: StreamHandler<SseEvent>): ResponseParser {
  return eventStreamParser(new SseParser(), handler);
}

/**
 * Event type of an SSE event: its `event` field, else the `"type"` member that providers put
 * first in the data (looked up in the first bytes only, without parsing).
 */
export function sseEventType(ev: SseEvent): string | undefined {
  return ev.event !== undefined && ev.event !== '' ? ev.event : leadingType(ev.data);
}

/** Removes undefined members so results compare and serialise cleanly. */
export function compact(info: ResponseInfo): ResponseInfo {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(info)) if (v !== undefined) out[k] = v;
  return out as unknown as ResponseInfo;
}

/**
 * Parser that picks its delegate by the first non-whitespace byte of the body (e.g. `[` for a
 * streamed JSON array versus `{` for one object), replaying what it held back.
 */
export function sniffingParser(choose: (firstByte: number | undefined) => ResponseParser): ResponseParser {
  let delegate: ResponseParser | undefined;
  const held: Buffer[] = [];
  return {
    push(chunk: Uint8Array): void {
      if (delegate !== undefined) {
        delegate.push(chunk);
        return;
      }
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i]!;
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
        delegate = choose(c);
        for (const h of held) delegate.push(h);
        held.length = 0;
        delegate.push(chunk);
        return;
      }
      held.push(Buffer.from(chunk)); // whitespace only so far
    },
    get outputTokensSoFar(): number | undefined {
      return delegate?.outputTokensSoFar;
    },
    end(): ResponseInfo {
      delegate ??= choose(undefined);
      return delegate.end();
    },
  };
}
