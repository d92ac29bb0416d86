/**
 * Plays one recorded HTTP exchange over one ext_proc `Process` stream the way Envoy's ext_proc
 * filter does with the reference config (`request_body_mode: BUFFERED`,
 * `response_body_mode: BUFFERED`, headers sent): request headers, request body, then — unless the
 * processor answered with an immediate response — the recorded response headers and body. A
 * `mode_override` to STREAMED in the response-headers reply (what the service asks for on a 2xx
 * event stream) makes the body go as chunks, one per SSE event, the last with `end_of_stream`.
 * Replies are read strictly in order, one per message; the stream ends by half-close.
 */
import type * as grpc from '@grpc/grpc-js';
import type { ExtProcClient, InboundReply, OutboundMessage } from './ext-proc-client.js';
import type { HeaderMutation__Output } from '../gen/envoy/service/ext_proc/v3/HeaderMutation.js';
import { fromStruct } from './struct.js';
import type { WireStruct } from './wire-types.js';

/** One recorded HTTP exchange, in neutral terms. */
export interface PlayableExchange {
  readonly request: {
    readonly method: string;
    /** Path with query, e.g. `/v1/chat/completions`. */
    readonly path: string;
    /** Host the client called (`:authority`). */
    readonly authority: string;
    /** Lower-case names; pseudo-headers are added by the player. */
    readonly headers: ReadonlyArray<readonly [string, string]>;
    readonly body: Buffer;
  };
  readonly response: {
    readonly status: number;
    readonly headers: ReadonlyArray<readonly [string, string]>;
    readonly body: Buffer;
  };
}

/** What happened to one exchange. */
export interface PlayOutcome {
  /** The status the client would have got: the immediate response's, else the recorded one. */
  readonly status: number;
  /** True when the processor answered the request itself (an `immediate_response`). */
  readonly local: boolean;
  /** Value the processor set on `routeHeader`, when it did. */
  readonly routeHeaderValue?: string;
  /** Dynamic metadata of all replies, merged per namespace, as plain JSON. */
  readonly metadata: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Messages sent on the stream. */
  readonly messages: number;
}

/** Settings of {@link playExchange}. */
export interface PlayOptions {
  /** Request header carrying the chosen rule (`selectedRouteHeaderKey`). */
  readonly routeHeader: string;
  /** How long to wait for each reply before failing the exchange. */
  readonly messageTimeoutMs: number;
  /** Sets `x-request-id` as Envoy does (Envoy adds one when absent). */
  readonly requestId: string;
}

/** A failure of the stream itself (gRPC error, missing or out-of-order reply, timeout). */
export class ReplayStreamError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReplayStreamError';
  }
}

type Event = { kind: 'reply'; reply: InboundReply } | { kind: 'end'; error?: Error };

/** Reads a duplex stream's replies one at a time, in order. */
class ReplyReader {
  private readonly events: Event[] = [];
  private wake: (() => void) | undefined;

  constructor(call: grpc.ClientDuplexStream<OutboundMessage, InboundReply>) {
    call.on('data', (reply: InboundReply) => this.push({ kind: 'reply', reply }));
    call.on('error', (error: Error) => this.push({ kind: 'end', error }));
    call.on('end', () => this.push({ kind: 'end' }));
  }

  private push(event: Event): void {
    this.events.push(event);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** The next event, or a timeout failure. */
  async next(timeoutMs: number): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = this.events.shift();
      if (event) return event;
      const left = deadline - Date.now();
      if (left <= 0) throw new ReplayStreamError(`no reply within ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }
}

function headerMap(headers: ReadonlyArray<readonly [string, string]>): { headers: Array<{ key: string; rawValue: Buffer }> } {
  return { headers: headers.map(([key, value]) => ({ key, rawValue: Buffer.from(value, 'latin1') })) };
}

function headerValueOf(h: { value?: string; rawValue?: Buffer }): string {
  return h.rawValue && h.rawValue.length > 0 ? Buffer.from(h.rawValue).toString('latin1') : (h.value ?? '');
}

/** The value a mutation sets on `name`, if any. */
function setValue(mutation: HeaderMutation__Output | null | undefined, name: string): string | undefined {
  for (const option of mutation?.setHeaders ?? []) {
    if (option.header && (option.header.key ?? '').toLowerCase() === name) return headerValueOf(option.header);
  }
  return undefined;
}

/** Splits an event-stream body after each blank line (`\n\n` or `\r\n\r\n`), as a provider's chunks arrive. */
export function sseChunks(body: Buffer): Buffer[] {
  const text = body.toString('latin1');
  const chunks: Buffer[] = [];
  let start = 0;
  const re = /\r?\n\r?\n/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    chunks.push(Buffer.from(text.slice(start, m.index + m[0].length), 'latin1'));
    start = m.index + m[0].length;
  }
  if (start < text.length || chunks.length === 0) chunks.push(Buffer.from(text.slice(start), 'latin1'));
  return chunks;
}

/**
 * Plays `exchange` on a new stream of `client`. Resolves with the outcome; rejects with
 * {@link ReplayStreamError} when the stream fails (Envoy would answer 500 without
 * `failure_mode_allow`).
 */
export async function playExchange(client: ExtProcClient, exchange: PlayableExchange, options: PlayOptions): Promise<PlayOutcome> {
  const call = client.open();
  const reader = new ReplyReader(call);
  const metadata: Record<string, Record<string, unknown>> = {};
  let routeHeaderValue: string | undefined;
  let messages = 0;

  const exchangeMessage = async (message: OutboundMessage, expected: NonNullable<InboundReply['response']>): Promise<InboundReply> => {
    if (messages === 0) message.protocolConfig = { requestBodyMode: 'BUFFERED', responseBodyMode: 'BUFFERED' };
    messages++;
    if (!call.write(message)) await new Promise<void>((resolve) => call.once('drain', resolve));
    const event = await reader.next(options.messageTimeoutMs);
    if (event.kind === 'end') throw new ReplayStreamError(event.error ? `stream failed: ${event.error.message}` : 'the processor ended the stream before replying', { cause: event.error });
    const reply = event.reply;
    for (const [ns, fields] of Object.entries(fromStruct((reply.dynamicMetadata ?? undefined) as WireStruct | undefined))) {
      metadata[ns] = { ...metadata[ns], ...(typeof fields === 'object' && fields !== null ? (fields as Record<string, unknown>) : {}) };
    }
    if (reply.response !== 'immediateResponse' && reply.response !== expected) {
      throw new ReplayStreamError(`expected a ${expected} reply, got ${reply.response ?? 'an empty reply'}`);
    }
    const common = reply.requestHeaders?.response ?? reply.requestBody?.response;
    routeHeaderValue = setValue(common?.headerMutation, options.routeHeader) ?? routeHeaderValue;
    return reply;
  };

  const finish = async (status: number, local: boolean): Promise<PlayOutcome> => {
    call.end();
    // The processor ends the stream after the half-close; its status is the last event.
    for (;;) {
      const event = await reader.next(options.messageTimeoutMs);
      if (event.kind === 'end') {
        if (event.error && (event.error as grpc.ServiceError).code !== 0) throw new ReplayStreamError(`stream failed: ${event.error.message}`, { cause: event.error });
        break;
      }
    }
    return { status, local, metadata, messages, ...(routeHeaderValue !== undefined ? { routeHeaderValue } : {}) };
  };

  try {
    const { request, response } = exchange;
    const requestHeaders: Array<readonly [string, string]> = [
      [':authority', request.authority],
      [':path', request.path],
      [':method', request.method.toUpperCase()],
      [':scheme', 'http'],
      ...request.headers.filter(([k]) => !k.startsWith(':') && k !== 'x-request-id'),
      ['x-request-id', options.requestId],
    ];
    const hasBody = request.body.length > 0;
    let reply = await exchangeMessage({ requestHeaders: { headers: headerMap(requestHeaders), endOfStream: !hasBody } }, 'requestHeaders');
    if (reply.immediateResponse) return await finish(client.statusCode(reply.immediateResponse.status?.code) ?? 500, true);
    if (hasBody) {
      reply = await exchangeMessage({ requestBody: { body: request.body, endOfStream: true } }, 'requestBody');
      if (reply.immediateResponse) return await finish(client.statusCode(reply.immediateResponse.status?.code) ?? 500, true);
    }
    const responseHeaders: Array<readonly [string, string]> = [[':status', String(response.status)], ...response.headers.filter(([k]) => !k.startsWith(':'))];
    const hasResponseBody = response.body.length > 0;
    reply = await exchangeMessage({ responseHeaders: { headers: headerMap(responseHeaders), endOfStream: !hasResponseBody } }, 'responseHeaders');
    if (reply.immediateResponse) return await finish(client.statusCode(reply.immediateResponse.status?.code) ?? 500, true);
    if (hasResponseBody) {
      const streamed = reply.modeOverride?.responseBodyMode === 'STREAMED';
      const chunks = streamed ? sseChunks(response.body) : [response.body];
      for (const [i, chunk] of chunks.entries()) {
        reply = await exchangeMessage({ responseBody: { body: chunk, endOfStream: i === chunks.length - 1 } }, 'responseBody');
        if (reply.immediateResponse) return await finish(client.statusCode(reply.immediateResponse.status?.code) ?? 500, true);
      }
    }
    return await finish(response.status, false);
  } catch (err) {
    call.cancel();
    throw err instanceof ReplayStreamError ? err : new ReplayStreamError((err as Error).message, { cause: err });
  }
}
