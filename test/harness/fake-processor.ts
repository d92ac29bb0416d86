/**
 * A small ext_proc server for testing the harness (tests only, not the product): replies
 * CONTINUE to every phase, optionally routes on the JSON body's `model` (route header +
 * clear_route_cache + dynamic metadata), switches SSE responses to STREAMED, re-streams bodies
 * in FULL_DUPLEX_STREAMED, and misbehaves on request via the `x-fake` request header:
 *
 * - `immediate`     immediate_response 429 to the request headers
 * - `double-reply`  two replies to the request headers
 * - `wrong-kind`    a response_headers reply to the request headers
 * - `grpc-error`    fails the stream with INTERNAL at the request headers
 * - `no-clear`      sets the route header without clear_route_cache
 * - `replace-body`  rewrites the request body's model to `<model>-replaced` (content-length set)
 * - `bad-length`    the same, but leaves content-length stale
 * - `reply-anyway`  replies even in observability mode
 * - `silent`        never replies to the request headers
 * - `no-finish`     never ends the stream after the client half-closed
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS, PROTO_FILES } from '../../src/envoy/protos.js';
import { MAX_MESSAGE_BYTES } from './ext-proc-client.js';
import { getHeader } from './headers.js';
import type { HeaderList, JsonValue, ProcessorMessage, ProcessorReply } from './wire.js';
import { fromHeaderMap, jsonToStruct } from './wire.js';

/** What the fake saw on one stream. */
export interface FakeStream {
  /** Every message received, in order. */
  readonly messages: ProcessorMessage[];
  /** Request headers (empty until they arrive). */
  requestHeaders: HeaderList;
  /** Directives from the `x-fake` request header. */
  directives: Set<string>;
  /** Body modes from the first message's protocol_config. */
  requestBodyMode: string | undefined;
  responseBodyMode: string | undefined;
  /** Request body bytes seen so far (full duplex). */
  readonly requestBody: Buffer[];
  /** Whether the request headers reply is being held (full duplex routing). */
  heldHeaders: boolean;
}

/** Fake settings. */
export interface FakeProcessorOptions {
  /** When set, the request body's `model` is written to this header with clear_route_cache. */
  readonly routeHeader?: string;
  /** When set, `{ model }` goes to this dynamic metadata namespace. */
  readonly metadataNamespace?: string;
  /** Switch `text/event-stream` responses to STREAMED (mode_override) and drop content-length. */
  readonly streamSse?: boolean;
  /** FULL_DUPLEX_STREAMED: re-emit the request body in this many streamed_response chunks. */
  readonly duplexChunks?: number;
  /** Replaces the reply logic for a message; return undefined to fall back to the default. */
  readonly respond?: (message: ProcessorMessage, stream: FakeStream) => Promise<ProcessorReply[] | undefined> | ProcessorReply[] | undefined;
}

/** A running fake processor. */
export interface FakeProcessor {
  /** `127.0.0.1:PORT`. */
  readonly address: string;
  /** One entry per stream, in arrival order. */
  readonly streams: readonly FakeStream[];
  close(): Promise<void>;
}

class StreamFailure extends Error {}

/** Starts the fake on 127.0.0.1, port 0. */
export async function startFakeProcessor(options: FakeProcessorOptions = {}): Promise<FakeProcessor> {
  const definition = protoLoader.loadSync([...PROTO_FILES], LOADER_OPTIONS);
  const service = definition['envoy.service.ext_proc.v3.ExternalProcessor'] as unknown as grpc.ServiceDefinition;
  const streams: FakeStream[] = [];
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  server.addService(service, {
    Process: (call: grpc.ServerDuplexStream<ProcessorMessage, ProcessorReply>) => {
      const stream: FakeStream = {
        messages: [],
        requestHeaders: [],
        directives: new Set(),
        requestBodyMode: undefined,
        responseBodyMode: undefined,
        requestBody: [],
        heldHeaders: false,
      };
      streams.push(stream);
      void serve(call, stream, options);
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
  return {
    address: `127.0.0.1:${port}`,
    streams,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}

async function serve(
  call: grpc.ServerDuplexStream<ProcessorMessage, ProcessorReply>,
  stream: FakeStream,
  options: FakeProcessorOptions,
): Promise<void> {
  try {
    // `for await (… of call)` would destroy the duplex when the client half-closes, and the OK
    // status would never be sent: iterate without destroy-on-return, then end the call.
    for await (const message of call.iterator({ destroyOnReturn: false }) as AsyncIterable<ProcessorMessage>) {
      stream.messages.push(message);
      if (stream.messages.length === 1) {
        stream.requestBodyMode = message.protocolConfig?.requestBodyMode;
        stream.responseBodyMode = message.protocolConfig?.responseBodyMode;
      }
      if (message.requestHeaders) {
        stream.requestHeaders = fromHeaderMap(message.requestHeaders.headers);
        const raw = getHeader(stream.requestHeaders, 'x-fake') ?? '';
        stream.directives = new Set(raw.split(',').map((d) => d.trim()).filter(Boolean));
      }
      const replies = (await options.respond?.(message, stream)) ?? defaultReplies(message, stream, options);
      if (message.observabilityMode && !stream.directives.has('reply-anyway')) continue;
      for (const reply of replies) {
        if (!call.write(reply)) await new Promise<void>((resolve) => call.once('drain', resolve));
      }
    }
    if (!stream.directives.has('no-finish')) call.end();
  } catch (err) {
    if (err instanceof StreamFailure) {
      call.emit('error', { code: grpc.status.INTERNAL, details: err.message });
      return;
    }
    // The client went away: nothing to answer.
  }
}

function defaultReplies(message: ProcessorMessage, stream: FakeStream, options: FakeProcessorOptions): ProcessorReply[] {
  const d = stream.directives;
  switch (message.request) {
    case 'requestHeaders': {
      if (d.has('grpc-error')) throw new StreamFailure('fake processor failure');
      if (d.has('immediate')) {
        return [
          {
            immediateResponse: {
              status: { code: 'TooManyRequests' },
              headers: { setHeaders: [{ header: { key: 'x-fake-immediate', rawValue: Buffer.from('yes') } }] },
              body: Buffer.from('{"error":"slow down"}'),
              details: 'fake_rate_limited',
            },
          },
        ];
      }
      if (d.has('wrong-kind')) return [{ responseHeaders: {} }];
      if (d.has('silent')) return [];
      if (d.has('double-reply')) return [{ requestHeaders: {} }, { requestHeaders: {} }];
      const duplex = stream.requestBodyMode === 'FULL_DUPLEX_STREAMED' && !message.requestHeaders?.endOfStream;
      if (duplex && options.routeHeader) {
        stream.heldHeaders = true;
        return [];
      }
      return [{ requestHeaders: {} }];
    }
    case 'requestBody': {
      const body = message.requestBody;
      const chunk = Buffer.from(body?.body ?? Buffer.alloc(0));
      if (stream.requestBodyMode === 'FULL_DUPLEX_STREAMED') return fullDuplexBody(stream, chunk, body?.endOfStream ?? false, options);
      if (!body?.endOfStream) return [{ requestBody: {} }];
      return [routeReply('requestBody', chunk, stream, options)];
    }
    case 'responseHeaders': {
      const headers = fromHeaderMap(message.responseHeaders?.headers);
      const sse = (getHeader(headers, 'content-type') ?? '').startsWith('text/event-stream');
      if (options.streamSse && sse) {
        return [
          {
            responseHeaders: { response: { headerMutation: { removeHeaders: ['content-length'] } } },
            modeOverride: { responseBodyMode: 'STREAMED' },
          },
        ];
      }
      return [{ responseHeaders: {} }];
    }
    case 'responseBody': {
      if (stream.responseBodyMode === 'FULL_DUPLEX_STREAMED') {
        const body = message.responseBody;
        const data = Buffer.from(body?.body ?? Buffer.alloc(0));
        const endOfStream = body?.endOfStream ?? false;
        return [{ responseBody: { response: { bodyMutation: { streamedResponse: { body: data, endOfStream } } } } }];
      }
      return [{ responseBody: {} }];
    }
    case 'requestTrailers':
      return [{ requestTrailers: {} }];
    case 'responseTrailers':
      return [{ responseTrailers: {} }];
    default:
      return [];
  }
}

/** The model-routing reply: route header (+ clear_route_cache), metadata, optional body rewrite. */
function routeReply(
  kind: 'requestBody' | 'requestHeaders',
  body: Buffer,
  stream: FakeStream,
  options: FakeProcessorOptions,
): ProcessorReply {
  const d = stream.directives;
  const model = modelOf(body);
  const reply: ProcessorReply = { [kind]: { response: {} } };
  const common = reply[kind]!.response!;
  const setHeaders = [];
  if (options.routeHeader && model !== undefined) {
    setHeaders.push({
      header: { key: options.routeHeader, rawValue: Buffer.from(model) },
      appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' as const,
    });
  }
  if ((d.has('replace-body') || d.has('bad-length')) && model !== undefined && kind === 'requestBody') {
    const parsed = JSON.parse(body.toString('utf8')) as Record<string, JsonValue>;
    const replaced = Buffer.from(JSON.stringify({ ...parsed, model: `${model}-replaced` }));
    common.bodyMutation = { body: replaced };
    if (d.has('replace-body')) {
      setHeaders.push({
        header: { key: 'content-length', rawValue: Buffer.from(String(replaced.length)) },
        appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' as const,
      });
    }
  }
  if (setHeaders.length > 0) {
    common.headerMutation = { setHeaders };
    common.clearRouteCache = !d.has('no-clear');
  }
  if (options.metadataNamespace && model !== undefined) {
    reply.dynamicMetadata = jsonToStruct({ [options.metadataNamespace]: { model } });
  }
  return reply;
}

/** FULL_DUPLEX_STREAMED: collect the body; at its end answer the held headers, then re-stream it. */
function fullDuplexBody(stream: FakeStream, chunk: Buffer, eos: boolean, options: FakeProcessorOptions): ProcessorReply[] {
  if (!stream.heldHeaders) {
    return [{ requestBody: { response: { bodyMutation: { streamedResponse: { body: chunk, endOfStream: eos } } } } }];
  }
  stream.requestBody.push(chunk);
  if (!eos) return [];
  const whole = Buffer.concat(stream.requestBody);
  const model = modelOf(whole);
  const replaced = model === undefined ? whole : Buffer.from(whole.toString('utf8').replace(`"${model}"`, `"${model}-duplex"`));
  const replies: ProcessorReply[] = [routeReply('requestHeaders', whole, stream, options)];
  const count = Math.max(1, options.duplexChunks ?? 1);
  const size = Math.ceil(replaced.length / count);
  for (let i = 0; i < count; i++) {
    const part = replaced.subarray(i * size, (i + 1) * size);
    replies.push({
      requestBody: { response: { bodyMutation: { streamedResponse: { body: part, endOfStream: i === count - 1 } } } },
    });
  }
  return replies;
}

function modelOf(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { model?: unknown };
    return typeof parsed?.model === 'string' ? parsed.model : undefined;
  } catch {
    return undefined;
  }
}
