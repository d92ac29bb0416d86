/**
 * The raw-bytes no-op baseline: the same grpc-js transport and server options, but the Process
 * method's serializers pass bytes through untouched. It reads only the first tag of each
 * ProcessingRequest (Envoy writes the `request` oneof first) and answers with a CONTINUE reply
 * encoded once at start-up. What it costs is the transport alone, without any protobuf work.
 */
import * as grpc from '@grpc/grpc-js';
import { loadServiceDefinitions } from '../src/envoy/protos.js';

/** A started raw-bytes no-op processor. */
export interface RawNoopProcessor {
  /** `127.0.0.1:PORT`. */
  readonly target: string;
  /** Stops at once. */
  stop(): void;
}

const identity = (b: Buffer): Buffer => b;

/**
 * The CONTINUE reply per ProcessingRequest oneof field number (2–7), encoded with the
 * proto-loader definition (so it is byte for byte what the proto-loader no-op sends).
 */
function precomputedReplies(): Array<Buffer | undefined> {
  const process = loadServiceDefinitions().extProcObjects['Process'] as grpc.MethodDefinition<object, object>;
  const encode = (reply: object): Buffer => process.responseSerialize(reply);
  const cont = { response: { status: 'CONTINUE' } };
  return [
    undefined,
    undefined,
    encode({ requestHeaders: cont }),
    encode({ responseHeaders: cont }),
    encode({ requestBody: cont }),
    encode({ responseBody: cont }),
    encode({ requestTrailers: {} }),
    encode({ responseTrailers: {} }),
  ];
}

/** Starts the raw-bytes no-op on 127.0.0.1 (an ephemeral port) with `maxMessageBytes` both ways. */
export async function startRawNoopProcessor(maxMessageBytes: number): Promise<RawNoopProcessor> {
  const replies = precomputedReplies();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
  });
  const service: grpc.ServiceDefinition = {
    Process: {
      path: '/envoy.service.ext_proc.v3.ExternalProcessor/Process',
      requestStream: true,
      responseStream: true,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
  server.addService(service, {
    Process(call: grpc.ServerDuplexStream<Buffer, Buffer>) {
      call.on('data', (msg: Buffer) => {
        const tag = msg.length > 0 ? msg[0]! : 0;
        const reply = (tag & 7) === 2 ? replies[tag >>> 3] : undefined;
        if (reply) call.write(reply);
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
