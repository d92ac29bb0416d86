/**
 * Converts ext_proc wire messages to the processor's domain types and back. The only place
 * (with the rest of `src/envoy/`) that knows proto shapes.
 */
import type { BodyMode, Phase, PhaseMessage, PhaseReply } from '../hooks/phase.js';
import { headerMapToRecord, toHeaderMutation } from './headers.js';
import { fromStruct, toStruct } from './struct.js';
import type { WireCommonResponse, WireProcessingRequest, WireProcessingResponse } from './wire-types.js';

const BODY_MODES = new Set<string>(['NONE', 'STREAMED', 'BUFFERED', 'BUFFERED_PARTIAL', 'FULL_DUPLEX_STREAMED']);
const EMPTY = Buffer.alloc(0);

function bodyMode(v: string | undefined): BodyMode {
  return v !== undefined && BODY_MODES.has(v) ? (v as BodyMode) : 'NONE';
}

/** A ProcessingRequest the processor cannot take: malformed bytes, or no known phase (answered INVALID_ARGUMENT). */
export class InvalidProcessingRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidProcessingRequestError';
  }
}

/** A ProcessingRequest that carries no known phase. */
export class UnknownPhaseError extends InvalidProcessingRequestError {
  constructor() {
    super('ProcessingRequest carries no known phase');
    this.name = 'UnknownPhaseError';
  }
}

/** `attributes` (filter name → Struct) as one record of attribute name → plain value; undefined when empty. */
function flattenAttributes(attrs: WireProcessingRequest['attributes']): Record<string, unknown> | undefined {
  if (!attrs) return undefined;
  let out: Record<string, unknown> | undefined;
  for (const s of Object.values(attrs)) {
    for (const [k, v] of Object.entries(fromStruct(s))) (out ??= {})[k] = v;
  }
  return out;
}

/** A PhaseMessage under construction. */
type MutablePhaseMessage = { -readonly [K in keyof PhaseMessage]: PhaseMessage[K] };

/**
 * ProcessingRequest → PhaseMessage. Throws {@link UnknownPhaseError} for an empty oneof.
 * Runs once per message: the result is built as one literal plus assignments (on Node 20,
 * `{ ...base, more }` takes a slow path costing about 1 µs per message).
 */
export function toPhaseMessage(req: WireProcessingRequest): PhaseMessage {
  const observabilityMode = req.observabilityMode === true;
  let msg: MutablePhaseMessage;
  switch (req.request) {
    case 'requestHeaders':
    case 'responseHeaders': {
      const h = req[req.request];
      msg = { phase: req.request, observabilityMode, headers: headerMapToRecord(h?.headers), endOfStream: h?.endOfStream === true };
      break;
    }
    case 'requestBody':
    case 'responseBody': {
      const b = req[req.request];
      msg = { phase: req.request, observabilityMode, body: b?.body ?? EMPTY, endOfStream: b?.endOfStream === true };
      break;
    }
    case 'requestTrailers':
    case 'responseTrailers': {
      const t = req[req.request];
      msg = { phase: req.request, observabilityMode, headers: headerMapToRecord(t?.trailers), endOfStream: true };
      break;
    }
    default:
      throw new UnknownPhaseError();
  }
  const config = req.protocolConfig;
  if (config) msg.protocol = { requestBodyMode: bodyMode(config.requestBodyMode), responseBodyMode: bodyMode(config.responseBodyMode) };
  const attributes = flattenAttributes(req.attributes);
  if (attributes) msg.attributes = attributes;
  return msg;
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
        body: typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body,
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
