/**
 * The no-op ext_proc baseline: the same grpc-js transport, service definition and server
 * options (max message lengths) as llm-extproc, answering CONTINUE to every message and
 * ending the stream when the client half-closes. What it costs is the floor any ext_proc
 * server on this transport pays; llm-extproc's figures are reported as ratios against it.
 */
import * as grpc from '@grpc/grpc-js';
import { loadServiceDefinitions } from '../src/envoy/protos.js';
import type { WireProcessingRequest, WireProcessingResponse } from '../src/envoy/wire-types.js';

/** The reply for each phase, built once: a bare CONTINUE (trailer replies carry no status). */
const CONTINUE: Readonly<Record<NonNullable<WireProcessingRequest['request']>, WireProcessingResponse>> = {
  requestHeaders: { requestHeaders: { response: { status: 'CONTINUE' } } },
  responseHeaders: { responseHeaders: { response: { status: 'CONTINUE' } } },
  requestBody: { requestBody: { response: { status: 'CONTINUE' } } },
  responseBody: { responseBody: { response: { status: 'CONTINUE' } } },
  requestTrailers: { requestTrailers: {} },
  responseTrailers: { responseTrailers: {} },
};

/** A started no-op processor. */
export interface NoopProcessor {
  /** `127.0.0.1:PORT`. */
  readonly target: string;
  /** Stops at once. */
  stop(): void;
}

/**
 * Starts the no-op processor on 127.0.0.1 (an ephemeral port) with the given max message
 * length for both directions, as llm-extproc sets it.
 */
export async function startNoopProcessor(maxMessageBytes: number): Promise<NoopProcessor> {
  const definitions = loadServiceDefinitions();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
  });
  server.addService(definitions.extProcObjects, {
    Process(call: grpc.ServerDuplexStream<WireProcessingRequest, WireProcessingResponse>) {
      call.on('data', (msg: WireProcessingRequest) => {
        const reply = msg.request ? CONTINUE[msg.request] : undefined;
        if (reply && !msg.observabilityMode) call.write(reply);
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined); // a client reset; nothing to clean up
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { target: `127.0.0.1:${port}`, stop: () => server.forceShutdown() };
}
