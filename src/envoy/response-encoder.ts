/**
 * {@link PhaseReply} → ProcessingResponse bytes, written directly (no intermediate message
 * objects): the same message proto-loader writes from `toProcessingResponse`'s output, checked
 * by the property tests beside this file: every field proto-loader writes explicitly is written
 * too, defaults included, so both read back as the same objects. A replacement body is copied
 * once, into the buffer grpc-js sends.
 */
import type { ContinueReply, ImmediateReply, Phase, PhaseReply } from '../hooks/phase.js';
import { structBodySize, writeStructBody, type StructSizes } from './struct-encode.js';
import { lenFieldSize, utf8Size, varintFieldSize, varintSize, WireWriter } from './wire-writer.js';

/** ProcessingResponse's `response` oneof field number per phase. */
const PHASE_FIELD: Readonly<Record<Phase, number>> = {
  requestHeaders: 1,
  responseHeaders: 2,
  requestBody: 3,
  responseBody: 4,
  requestTrailers: 5,
  responseTrailers: 6,
};

const BODY_MODE_NUMBER: Readonly<Record<string, number>> = { NONE: 0, STREAMED: 1, BUFFERED: 2, BUFFERED_PARTIAL: 3, FULL_DUPLEX_STREAMED: 4 };

/** CommonResponse.status = CONTINUE (0), written explicitly: tag and one byte. */
const STATUS_CONTINUE_SIZE = 2;

/** HeaderValueOption.HeaderAppendAction OVERWRITE_IF_EXISTS_OR_ADD. */
const OVERWRITE_IF_EXISTS_OR_ADD = 2;

type HeaderPairs = ReadonlyArray<readonly [string, string]> | undefined;

/** Size of one HeaderValueOption {header {key, raw_value}, append_action}. */
function headerOptionSize(key: string, value: string): number {
  return lenFieldSize(lenFieldSize(utf8Size(key)) + lenFieldSize(utf8Size(value))) + varintFieldSize(OVERWRITE_IF_EXISTS_OR_ADD);
}

/** Size of a HeaderMutation body; 0 when it would be absent (nothing to set or remove). */
function headerMutationSize(set: HeaderPairs, remove: readonly string[] | undefined): number {
  let size = 0;
  if (set) for (const [k, v] of set) size += lenFieldSize(headerOptionSize(k, v));
  if (remove) for (const name of remove) size += lenFieldSize(utf8Size(name));
  return size;
}

function hasMutation(set: HeaderPairs, remove: readonly string[] | undefined): boolean {
  return (set !== undefined && set.length > 0) || (remove !== undefined && remove.length > 0);
}

function writeHeaderMutation(w: WireWriter, set: HeaderPairs, remove: readonly string[] | undefined): void {
  if (set) {
    for (const [key, value] of set) {
      const keySize = utf8Size(key);
      const valueSize = utf8Size(value);
      w.lenHeader(1, headerOptionSize(key, value));
      w.lenHeader(1, lenFieldSize(keySize) + lenFieldSize(valueSize));
      w.stringField(1, key, keySize);
      w.stringField(3, value, valueSize);
      w.varintField(3, OVERWRITE_IF_EXISTS_OR_ADD);
    }
  }
  if (remove) for (const name of remove) w.stringField(2, name, utf8Size(name));
}

/** Size of a BodyMutation body, or -1 when the reply has none. */
function bodyMutationSize(reply: ContinueReply): number {
  if (reply.streamedBody) return lenFieldSize(lenFieldSize(reply.streamedBody.chunk.length) + 2);
  if (reply.body) return lenFieldSize(reply.body.length);
  return -1;
}

/** The reply's dynamic metadata when it has any field (an empty object is left out, as proto-loader's path does). */
function metadataOf(reply: ContinueReply): Readonly<Record<string, unknown>> | undefined {
  const m = reply.dynamicMetadata;
  return m !== undefined && Object.keys(m).length > 0 ? m : undefined;
}

function encodeContinue(reply: ContinueReply): Buffer {
  const set = reply.headers?.set;
  const remove = reply.headers?.remove;
  const mutation = hasMutation(set, remove) ? headerMutationSize(set, remove) : -1;
  const trailers = reply.phase === 'requestTrailers' || reply.phase === 'responseTrailers';
  let bodyMutation = -1;
  let inner: number; // HeadersResponse / BodyResponse / TrailersResponse body
  let common = 0;
  if (trailers) {
    inner = mutation >= 0 ? lenFieldSize(mutation) : 0;
  } else {
    bodyMutation = bodyMutationSize(reply);
    common = STATUS_CONTINUE_SIZE + (mutation >= 0 ? lenFieldSize(mutation) : 0) + (bodyMutation >= 0 ? lenFieldSize(bodyMutation) : 0) + (reply.clearRouteCache ? 2 : 0);
    inner = lenFieldSize(common);
  }
  const mode = reply.responseBodyMode ? BODY_MODE_NUMBER[reply.responseBodyMode] ?? 0 : -1;
  const modeSize = mode >= 0 ? varintFieldSize(mode) : -1;
  const metadata = metadataOf(reply);
  const metadataSizes: StructSizes = [];
  const metadataSize = metadata ? structBodySize(metadata, metadataSizes) : -1;
  const total = lenFieldSize(inner) + (modeSize >= 0 ? lenFieldSize(modeSize) : 0) + (metadataSize >= 0 ? lenFieldSize(metadataSize) : 0);

  const w = new WireWriter(total);
  w.lenHeader(PHASE_FIELD[reply.phase], inner);
  if (trailers) {
    if (mutation >= 0) {
      w.lenHeader(1, mutation);
      writeHeaderMutation(w, set, remove);
    }
  } else {
    w.lenHeader(1, common); // CommonResponse
    w.varintField(1, 0); // status CONTINUE, written out as proto-loader writes it
    if (mutation >= 0) {
      w.lenHeader(2, mutation);
      writeHeaderMutation(w, set, remove);
    }
    if (bodyMutation >= 0) {
      w.lenHeader(3, bodyMutation);
      const streamed = reply.streamedBody;
      if (streamed) {
        w.lenHeader(3, lenFieldSize(streamed.chunk.length) + 2);
        w.bytesField(1, streamed.chunk);
        w.varintField(2, streamed.endOfStream ? 1 : 0);
      } else {
        w.bytesField(1, reply.body!);
      }
    }
    if (reply.clearRouteCache) w.varintField(5, 1);
  }
  if (metadata) {
    w.lenHeader(8, metadataSize);
    writeStructBody(w, metadata, metadataSizes);
  }
  if (modeSize >= 0) {
    w.lenHeader(9, modeSize);
    w.varintField(4, mode);
  }
  return w.finish();
}

function encodeImmediate(reply: ImmediateReply): Buffer {
  const code = reply.status | 0;
  const statusSize = 1 + varintSize(code);
  const mutation = hasMutation(reply.headers, undefined) ? headerMutationSize(reply.headers, undefined) : -1;
  const body = reply.body;
  const bodySize = typeof body === 'string' ? utf8Size(body) : body.length;
  const detailsSize = utf8Size(reply.details);
  const inner =
    lenFieldSize(statusSize) + (mutation >= 0 ? lenFieldSize(mutation) : 0) + lenFieldSize(bodySize) + lenFieldSize(detailsSize);
  const w = new WireWriter(lenFieldSize(inner));
  w.lenHeader(7, inner);
  w.lenHeader(1, statusSize); // HttpStatus
  w.varintField(1, code);
  if (mutation >= 0) {
    w.lenHeader(2, mutation);
    writeHeaderMutation(w, reply.headers, undefined);
  }
  if (typeof body === 'string') w.stringField(3, body, bodySize);
  else w.bytesField(3, body);
  w.stringField(5, reply.details, detailsSize);
  return w.finish();
}

/** Encodes a reply as a ProcessingResponse message. */
export function encodeProcessingResponse(reply: PhaseReply): Buffer {
  return reply.kind === 'immediate' ? encodeImmediate(reply) : encodeContinue(reply);
}
