/**
 * Loads the ext_proc v3 and grpc.health.v1 service definitions from this package's `protos/`.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { withPhaseCodec } from './process-codec.js';

/** Directory holding our `.proto` files (works from `src/` and from the built `dist/`). */
export const PROTO_ROOT = fileURLToPath(new URL('../../protos/', import.meta.url));

/** The proto files the service speaks, relative to {@link PROTO_ROOT}. */
export const PROTO_FILES = [
  'envoy/service/ext_proc/v3/external_processor.proto',
  'grpc/health/v1/health.proto',
] as const;

/**
 * proto-loader options used everywhere (service, tests, generated types): camelCase field
 * names so our fields and the protobuf well-known types (Struct) share one casing; enums as
 * their names; 64-bit integers as strings; oneof names reported.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};

/** The two gRPC services this process serves. */
export interface ServiceDefinitions {
  /**
   * `envoy.service.ext_proc.v3.ExternalProcessor` as the server serves it: Process reads
   * `DecodedProcessingRequest`s and writes `PhaseReply`s (the phase codec, `process-codec.ts`).
   */
  readonly extProc: grpc.ServiceDefinition;
  /**
   * The same service with proto-loader's message objects in both directions (the shapes of
   * `wire-types.ts`): for clients, the no-op benchmark baseline and the reference tests.
   */
  readonly extProcObjects: grpc.ServiceDefinition;
  /** `grpc.health.v1.Health`. */
  readonly health: grpc.ServiceDefinition;
}

/** Loads (synchronously, once at start-up) the service definitions. */
export function loadServiceDefinitions(): ServiceDefinitions {
  const definition = protoLoader.loadSync([...PROTO_FILES], LOADER_OPTIONS);
  const extProc = definition['envoy.service.ext_proc.v3.ExternalProcessor'];
  const health = definition['grpc.health.v1.Health'];
  if (!extProc || !health || !('Process' in extProc) || !('Check' in health)) {
    throw new Error(`service definitions missing from ${PROTO_ROOT}`);
  }
  const objects = extProc as unknown as grpc.ServiceDefinition;
  return {
    extProc: withPhaseCodec(objects),
    extProcObjects: objects,
    health: health as unknown as grpc.ServiceDefinition,
  };
}
