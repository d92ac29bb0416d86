/**
 * Converts ext_proc wire messages to the processor's domain types and back. The only place
 * (with the rest of `src/envoy/`) that knows proto shapes.
 */
import type { BodyMode, Phase, PhaseMessage, PhaseReply } from '../processor/phase.js';
import { headerMapToRecord, toHeaderMutation } from './headers.js';
import { toStruct } from './struct.js';
import type { WireCommonResponse, WireProcessingRequest, WireProcessingResponse } from './wire-types.js';

const BODY_MODES = new Set<string>(['NONE', 'STREAMED', 'BUFFERED', 'BUFFERED_PARTIAL', 'FULL_DUPLEX_STREAMED']);
const EMPTY = Buffer.alloc(0);

function bodyMode(v: string | undefined): BodyMode {
  return v !== undefined && BODY_MODES.has(v) ? (v as BodyMode) : 'NONE';
}

/** A ProcessingRequest that carries no known phase. */
export class UnknownPhaseError extends Error {
  constructor() {
    super('ProcessingRequest carries no known phase');
    this.name = 'UnknownPhaseError';
  }
}

/** ProcessingRequest → PhaseMessage. Throws {@link UnknownPhaseError} for an empty oneof. */
export function toPhaseMessage(req: WireProcessingRequest): PhaseMessage {
  const observabilityMode = req.observabilityMode === true;
  const protocol = req.protocolConfig
    ? { requestBodyMode: bodyMode(req.protocolConfig.requestBodyMode), responseBodyMode: bodyMode(req.protocolConfig.responseBodyMode) }
    : undefined;
  const base = protocol ? { observabilityMode, protocol } : { observabilityMode };
  switch (req.request) {
    case 'requestHeaders':
    case 'responseHeaders': {
      const h = req[req.request];
      return { ...base, phase: req.request, headers: headerMapToRecord(h?.headers), endOfStream: h?.endOfStream === true };
    }
    case 'requestBody':
    case 'responseBody': {
      const b = req[req.request];
      return { ...base, phase: req.request, body: b?.body ?? EMPTY, endOfStream: b?.endOfStream === true };
    }
    case 'requestTrailers':
    case 'responseTrailers': {
      const t = req[req.request];
      return { ...base, phase: req.request, headers: headerMapToRecord(t?.trailers), endOfStream: true };
    }
    default:
      throw new UnknownPhaseError();
  }
}

const STATUS_CONTINUE = 'CONTINUE' as const;

function commonResponse(reply: Extract<PhaseReply, { kind: 'continue' }>): WireCommonResponse {
  const common: WireCommonResponse = {};
  const mutation = toHeaderMutation(reply.headers?.set, reply.headers?.remove);
  if (mutation) common.headerMutation = mutation;
  if (reply.streamedBody) {
    common.bodyMutation = { streamedResponse: { body: reply.streamedBody.chunk, endOfStream: reply.streamedBody.endOfStream } };
  } else if (reply.body) {
    common.bodyMutation = { body: reply.body };
  }
  if (reply.clearRouteCache) common.clearRouteCache = true;
  common.status = STATUS_CONTINUE;
  return common;
}

const HEADER_PHASE: Record<Phase, keyof WireProcessingResponse> = {
  requestHeaders: 'requestHeaders',
  responseHeaders: 'responseHeaders',
  requestBody: 'requestBody',
  responseBody: 'responseBody',
  requestTrailers: 'requestTrailers',
  responseTrailers: 'responseTrailers',
};

/** PhaseReply → ProcessingResponse. */
export function toProcessingResponse(reply: PhaseReply): WireProcessingResponse {
  if (reply.kind === 'immediate') {
    const headers = toHeaderMutation(reply.headers, undefined);
    return {
      immediateResponse: {
        status: { code: reply.status },
        ...(headers ? { headers } : {}),
        body: Buffer.from(reply.body, 'utf8'),
        details: reply.details,
      },
    };
  }
  const out: WireProcessingResponse = {};
  const field = HEADER_PHASE[reply.phase];
  if (field === 'requestTrailers' || field === 'responseTrailers') {
    const mutation = toHeaderMutation(reply.headers?.set, reply.headers?.remove);
    out[field] = mutation ? { headerMutation: mutation } : {};
  } else {
    (out as Record<string, unknown>)[field] = { response: commonResponse(reply) };
  }
  if (reply.responseBodyMode) out.modeOverride = { responseBodyMode: reply.responseBodyMode };
  if (reply.dynamicMetadata && Object.keys(reply.dynamicMetadata).length > 0) {
    out.dynamicMetadata = toStruct(reply.dynamicMetadata);
  }
  return out;
}
