/**
 * The Process method's serialisation on the server side: ProcessingRequest bytes straight to
 * {@link PhaseMessage} and {@link PhaseReply} straight to ProcessingResponse bytes, in place of
 * proto-loader's message objects. grpc-js stays the transport; only these two functions of the
 * method definition change.
 */
import type * as grpc from '@grpc/grpc-js';
import type { PhaseMessage, PhaseReply } from '../hooks/phase.js';
import { InvalidProcessingRequestError } from './messages.js';
import { decodeProcessingRequest } from './request-decoder.js';
import { encodeProcessingResponse } from './response-encoder.js';
import { MalformedMessageError } from './wire-reader.js';

/**
 * What the server reads from a Process call: a phase, or an error to end the stream with —
 * an {@link InvalidProcessingRequestError} for bytes that are not a ProcessingRequest the
 * processor can take (answered INVALID_ARGUMENT), any other Error for a fault of ours (INTERNAL).
 */
export type DecodedProcessingRequest = PhaseMessage | Error;

/**
 * Decodes a ProcessingRequest; never throws (grpc-js would answer a throwing deserializer with
 * INTERNAL, out of sight of our logs): failures come back as an Error value for the stream loop.
 */
export function deserializeProcessingRequest(bytes: Buffer): DecodedProcessingRequest {
  try {
    return decodeProcessingRequest(bytes);
  } catch (err) {
    if (err instanceof InvalidProcessingRequestError) return err;
    if (err instanceof MalformedMessageError) return new InvalidProcessingRequestError(err.message);
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Encodes a reply as ProcessingResponse bytes. */
export function serializeProcessingResponse(reply: PhaseReply): Buffer {
  return encodeProcessingResponse(reply);
}

/**
 * The ExternalProcessor service definition with the Process method's server-side
 * (de)serialisers replaced by the phase codec. The client side (requestSerialize,
 * responseDeserialize) is left as proto-loader made it.
 */
export function withPhaseCodec(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const process = service['Process'];
  if (!process) throw new Error('ExternalProcessor.Process missing');
  return {
    ...service,
    Process: {
      ...process,
      requestDeserialize: deserializeProcessingRequest,
      responseSerialize: serializeProcessingResponse,
    } as grpc.MethodDefinition<unknown, unknown>,
  };
}
