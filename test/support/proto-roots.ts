/**
 * Loads our protos and Envoy's upstream protos for the wire-compatibility tests.
 *
 * Upstream: the Envoy API snapshot shipped inside `@grpc/grpc-js-xds` (`deps/`), plus the standard
 * `grpc.health.v1` definition written from its published field numbers (the snapshot has no copy).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { LOADER_OPTIONS, PROTO_FILES, PROTO_ROOT } from '../../src/envoy/protos.js';

const require = createRequire(import.meta.url);

const XDS_DEPS = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

/** Include directories of the upstream Envoy snapshot (the imports of its ext_proc protos). */
export const UPSTREAM_INCLUDE_DIRS: readonly string[] = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map(
  (dir) => path.join(XDS_DEPS, dir),
);

/** protobufjs' own directory: it ships `google/protobuf/descriptor.proto` (imported by validate.proto). */
const PROTOBUFJS_DIR = path.dirname(require.resolve('protobufjs/package.json'));

/** Upstream entry points matching our {@link PROTO_FILES} (health comes from {@link STANDARD_HEALTH_PROTO}). */
export const UPSTREAM_FILES: readonly string[] = ['envoy/service/ext_proc/v3/external_processor.proto'];

/**
 * The standard gRPC health checking protocol (grpc/grpc, `src/proto/grpc/health/v1/health.proto`),
 * restated from its published names and numbers: HealthCheckRequest.service = 1,
 * HealthCheckResponse.status = 1, ServingStatus UNKNOWN 0 / SERVING 1 / NOT_SERVING 2 /
 * SERVICE_UNKNOWN 3, unary Check and server-streaming Watch.
 */
export const STANDARD_HEALTH_PROTO = `
syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse {
  enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
  ServingStatus status = 1;
}
service Health {
  rpc Check(HealthCheckRequest) returns (HealthCheckResponse);
  rpc Watch(HealthCheckRequest) returns (stream HealthCheckResponse);
}
`;

/** Loads `files` into a fresh root, resolving imports against `includeDirs`, proto field names kept. */
function loadRoot(files: readonly string[], includeDirs: readonly string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string): string => {
    if (path.isAbsolute(target) && existsSync(target)) return target;
    for (const dir of includeDirs) {
      const candidate = path.join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    throw new Error(`cannot resolve import ${target} in ${includeDirs.join(', ')}`);
  };
  root.loadSync([...files], { keepCase: true });
  root.resolveAll();
  return root;
}

/** Our protos (`protos/`), proto field names kept. */
export function loadOurRoot(): protobuf.Root {
  return loadRoot(PROTO_FILES, [PROTO_ROOT]);
}

/** Envoy's upstream ext_proc protos plus the standard health protocol, proto field names kept. */
export function loadUpstreamRoot(): protobuf.Root {
  const root = loadRoot(UPSTREAM_FILES, [...UPSTREAM_INCLUDE_DIRS, PROTOBUFJS_DIR]);
  protobuf.parse(STANDARD_HEALTH_PROTO, root, { keepCase: true });
  root.resolveAll();
  return root;
}

/**
 * Envoy's upstream ext_proc definitions loaded exactly as the service loads ours (same
 * proto-loader options), so one JS object can be serialized with both and the bytes compared.
 */
export function loadUpstreamDefinitions(): protoLoader.PackageDefinition {
  return protoLoader.loadSync([...UPSTREAM_FILES], { ...LOADER_OPTIONS, includeDirs: [...UPSTREAM_INCLUDE_DIRS] });
}
