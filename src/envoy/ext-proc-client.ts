/**
 * A gRPC client for `envoy.service.ext_proc.v3.ExternalProcessor` speaking as Envoy does (one
 * HTTP/2 channel for all requests), loaded from the project's protos with the project's loader
 * options, and the `type.v3.StatusCode` names → numbers table for immediate responses. Used by
 * `llm-extproc replay` and by the Envoy-protocol test harness.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS, PROTO_FILES } from './protos.js';
import type { ProcessingRequest } from '../gen/envoy/service/ext_proc/v3/ProcessingRequest.js';
import type { ProcessingResponse__Output } from '../gen/envoy/service/ext_proc/v3/ProcessingResponse.js';

/** A message Envoy's side sends. */
export type OutboundMessage = ProcessingRequest;
/** A processor reply as decoded. */
export type InboundReply = ProcessingResponse__Output;

/** 64 MiB: LLM bodies with images are tens of MB; grpc-js defaults to 4 MiB. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** A connected ext_proc client. */
export interface ExtProcClient {
  /** Opens one `Process` stream. */
  readonly open: () => grpc.ClientDuplexStream<OutboundMessage, InboundReply>;
  /** HTTP status number for a `type.v3.StatusCode` name (or number), undefined when unknown. */
  readonly statusCode: (code: string | number | undefined) => number | undefined;
  /** Closes the channel. */
  readonly close: () => void;
}

type ProcessClient = grpc.Client & {
  Process(): grpc.ClientDuplexStream<OutboundMessage, InboundReply>;
};

/** Creates the client for a processor at `address` (`host:port` or `unix:/path`). */
export function createExtProcClient(address: string): ExtProcClient {
  const definition = protoLoader.loadSync([...PROTO_FILES], LOADER_OPTIONS);
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    envoy: { service: { ext_proc: { v3: { ExternalProcessor: new (...args: ConstructorParameters<typeof grpc.Client>) => ProcessClient } } } };
  };
  const Ctor = loaded.envoy.service.ext_proc.v3.ExternalProcessor;
  const client = new Ctor(address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  const statusEnum = definition['envoy.type.v3.StatusCode'] as protoLoader.EnumTypeDefinition | undefined;
  const numbers = new Map<string, number>();
  for (const value of (statusEnum?.type as { value?: Array<{ name: string; number: number }> } | undefined)?.value ?? []) {
    numbers.set(value.name, value.number);
  }
  return {
    open: () => client.Process(),
    statusCode: (code) => (typeof code === 'number' ? code : code === undefined ? undefined : numbers.get(code)),
    close: () => client.close(),
  };
}
