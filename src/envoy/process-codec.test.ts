import type * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { InvalidProcessingRequestError, UnknownPhaseError } from './messages.js';
import { deserializeProcessingRequest, serializeProcessingResponse, withPhaseCodec } from './process-codec.js';
import { loadServiceDefinitions } from './protos.js';

const objects = loadServiceDefinitions().extProcObjects['Process'] as grpc.MethodDefinition<object, object>;

describe('deserializeProcessingRequest', () => {
  it('gives the PhaseMessage of a well-formed request', () => {
    const bytes = objects.requestSerialize({ requestBody: { body: Buffer.from('{}'), endOfStream: true } });
    expect(deserializeProcessingRequest(bytes)).toEqual({ phase: 'requestBody', body: Buffer.from('{}'), endOfStream: true, observabilityMode: false });
  });

  it('returns, never throws, an InvalidProcessingRequestError for malformed bytes or no phase', () => {
    const truncated = deserializeProcessingRequest(Buffer.from('12c801', 'hex'));
    expect(truncated).toBeInstanceOf(InvalidProcessingRequestError);
    expect((truncated as Error).message).toMatch(/malformed protobuf message: length past the end/);
    expect(deserializeProcessingRequest(Buffer.alloc(0))).toBeInstanceOf(UnknownPhaseError);
  });
});

describe('withPhaseCodec', () => {
  it('replaces only the server side of Process', () => {
    const original = loadServiceDefinitions().extProcObjects;
    const process = withPhaseCodec(original)['Process']!;
    expect(process.requestDeserialize).toBe(deserializeProcessingRequest);
    expect(process.responseSerialize).toBe(serializeProcessingResponse);
    expect(process.requestSerialize).toBe(original['Process']!.requestSerialize);
    expect(process.responseDeserialize).toBe(original['Process']!.responseDeserialize);
    expect(process.path).toBe('/envoy.service.ext_proc.v3.ExternalProcessor/Process');
  });
});
