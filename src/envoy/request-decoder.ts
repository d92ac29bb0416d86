/**
 * ProcessingRequest bytes → {@link PhaseMessage}, read straight from the received buffer:
 * only the parts a phase needs are decoded, and a body is a view of the received bytes (never
 * copied). Gives the same answers as proto-loader followed by `toPhaseMessage` (checked by the
 * property tests beside this file). Every field `external_processor.proto` declares is read or
 * skipped by its declared shape; unknown fields of every wire type are skipped.
 */
import type { BodyMode, HeaderRecord, Phase, PhaseMessage } from '../hooks/phase.js';
import { UnknownPhaseError } from './messages.js';
import { readMapEntry, readStruct } from './struct-decode.js';
import { expectWireType, WIRE, WireReader } from './wire-reader.js';

/** ProcessingRequest's `request` oneof, by field number (2–7). */
const PHASES: readonly (Phase | undefined)[] = [
  undefined,
  undefined,
  'requestHeaders',
  'responseHeaders',
  'requestBody',
  'responseBody',
  'requestTrailers',
  'responseTrailers',
];

/** ProcessingMode.BodySendMode by number; other numbers read as NONE. */
const BODY_MODES: readonly BodyMode[] = ['NONE', 'STREAMED', 'BUFFERED', 'BUFFERED_PARTIAL', 'FULL_DUPLEX_STREAMED'];

const EMPTY = Buffer.alloc(0);

type MutablePhaseMessage = { -readonly [K in keyof PhaseMessage]: PhaseMessage[K] };

/** Reads a HeaderMap sub-message into a record (lower-cased names, duplicates joined with `,`). */
function readHeaderMap(r: WireReader, out: HeaderRecord): void {
  const outer = r.enter();
  const buf = r.buf;
  while (r.more()) {
    const tag = r.uint32();
    if (tag >>> 3 !== 1) {
      r.skip(tag & 7, tag >>> 3);
      continue;
    }
    expectWireType(tag & 7, WIRE.LEN, 'HeaderMap.headers');
    // HeaderValue: key = 1, value = 2, raw_value = 3; the last occurrence of each counts.
    const headerOuter = r.enter();
    let keyStart = 0;
    let keyEnd = 0;
    let valueStart = 0;
    let valueEnd = 0;
    let rawStart = 0;
    let rawEnd = 0;
    while (r.more()) {
      const t = r.uint32();
      const field = t >>> 3;
      if (field >= 1 && field <= 3) {
        expectWireType(t & 7, WIRE.LEN, 'HeaderValue field');
        const end = r.lengthEnd();
        if (field === 1) {
          keyStart = r.pos;
          keyEnd = end;
        } else if (field === 2) {
          valueStart = r.pos;
          valueEnd = end;
        } else {
          rawStart = r.pos;
          rawEnd = end;
        }
        r.pos = end;
      } else {
        r.skip(t & 7, field);
      }
    }
    r.leave(headerOuter);
    if (keyEnd === keyStart) continue;
    const key = buf.toString('utf8', keyStart, keyEnd).toLowerCase();
    const value = rawEnd > rawStart ? buf.toString('utf8', rawStart, rawEnd) : valueEnd > valueStart ? buf.toString('utf8', valueStart, valueEnd) : '';
    const prev = out[key];
    out[key] = prev === undefined ? value : `${prev},${value}`;
  }
  r.leave(outer);
}

/**
 * Reads HttpHeaders (headers = 1, deprecated attributes = 2, end_of_stream = 3) or, with
 * `trailers`, HttpTrailers (trailers = 1; no other field).
 */
function readHeadersPhase(r: WireReader, trailers: boolean): { headers: HeaderRecord; endOfStream: boolean } {
  const outer = r.enter();
  let mapStart = -1;
  let endOfStream = false;
  while (r.more()) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1) {
      expectWireType(tag & 7, WIRE.LEN, 'headers');
      mapStart = r.pos; // the last HeaderMap replaces earlier ones, as proto-loader reads it
      r.pos = r.lengthEnd();
    } else if (field === 3 && !trailers) {
      expectWireType(tag & 7, WIRE.VARINT, 'HttpHeaders.end_of_stream');
      endOfStream = r.bool();
    } else {
      r.skip(tag & 7, field);
    }
  }
  const headers: HeaderRecord = Object.create(null) as HeaderRecord;
  if (mapStart >= 0) {
    r.pos = mapStart;
    readHeaderMap(r, headers);
  }
  r.leave(outer);
  return { headers, endOfStream };
}

/** Reads HttpBody (body = 1, end_of_stream = 2): the body is a view of the received bytes. */
function readBodyPhase(r: WireReader): { body: Buffer; endOfStream: boolean } {
  const outer = r.enter();
  let body: Buffer = EMPTY;
  let endOfStream = false;
  while (r.more()) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1) {
      expectWireType(tag & 7, WIRE.LEN, 'HttpBody.body');
      body = r.bytes();
    } else if (field === 2) {
      expectWireType(tag & 7, WIRE.VARINT, 'HttpBody.end_of_stream');
      endOfStream = r.bool();
    } else {
      r.skip(tag & 7, field);
    }
  }
  r.leave(outer);
  return { body, endOfStream };
}

/** Reads ProtocolConfiguration (request_body_mode = 1, response_body_mode = 2, send_body_without_waiting_for_header_response = 3). */
function readProtocolConfig(r: WireReader): NonNullable<PhaseMessage['protocol']> {
  const outer = r.enter();
  let requestBodyMode: BodyMode = 'NONE';
  let responseBodyMode: BodyMode = 'NONE';
  while (r.more()) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field >= 1 && field <= 3) {
      expectWireType(tag & 7, WIRE.VARINT, 'ProtocolConfiguration field');
      const n = r.uint32();
      if (field === 1) requestBodyMode = BODY_MODES[n] ?? 'NONE';
      else if (field === 2) responseBodyMode = BODY_MODES[n] ?? 'NONE';
    } else {
      r.skip(tag & 7, field);
    }
  }
  r.leave(outer);
  return { requestBodyMode, responseBodyMode };
}

/**
 * Flattens `attributes` (filter name → Struct) over filter names, in the order a JS object
 * holding them iterates (a filter name repeated on the wire keeps its last Struct).
 */
function flattenAttributes(byFilter: Record<string, Record<string, unknown>>): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const struct of Object.values(byFilter)) {
    for (const key of Object.keys(struct)) (out ??= {})[key] = struct[key];
  }
  return out;
}

const readStructValue = (r: WireReader): Record<string, unknown> => readStruct(r);

/**
 * Decodes a ProcessingRequest. Throws {@link UnknownPhaseError} when it carries no known phase
 * and `MalformedMessageError` for bytes that are not a well-formed message.
 */
export function decodeProcessingRequest(buf: Buffer): PhaseMessage {
  const r = new WireReader(buf);
  let phaseField = 0;
  let phaseStart = 0;
  let observabilityMode = false;
  let protocolStart = -1;
  let attributes: Record<string, Record<string, unknown>> | undefined;
  while (r.more()) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const type = tag & 7;
    switch (field) {
      case 2:
      case 3:
      case 4:
      case 5:
      case 6:
      case 7: // the `request` oneof: the last member on the wire is the one set
        expectWireType(type, WIRE.LEN, 'ProcessingRequest.request');
        phaseField = field;
        phaseStart = r.pos;
        r.pos = r.lengthEnd();
        break;
      case 8: // metadata_context: not part of a PhaseMessage
        expectWireType(type, WIRE.LEN, 'ProcessingRequest.metadata_context');
        r.pos = r.lengthEnd();
        break;
      case 9: {
        expectWireType(type, WIRE.LEN, 'ProcessingRequest.attributes');
        const [name, struct] = readMapEntry(r, 'ProcessingRequest.attributes', readStructValue);
        if (name !== '__proto__') (attributes ??= {})[name] = struct ?? {};
        break;
      }
      case 10:
        expectWireType(type, WIRE.VARINT, 'ProcessingRequest.observability_mode');
        observabilityMode = r.bool();
        break;
      case 11:
        expectWireType(type, WIRE.LEN, 'ProcessingRequest.protocol_config');
        protocolStart = r.pos;
        r.pos = r.lengthEnd();
        break;
      default:
        r.skip(type, field);
    }
  }
  const phase = PHASES[phaseField];
  if (phase === undefined) throw new UnknownPhaseError();
  r.pos = phaseStart;
  let msg: MutablePhaseMessage;
  if (phaseField <= 3) {
    const h = readHeadersPhase(r, false);
    msg = { phase, observabilityMode, headers: h.headers, endOfStream: h.endOfStream };
  } else if (phaseField <= 5) {
    const b = readBodyPhase(r);
    msg = { phase, observabilityMode, body: b.body, endOfStream: b.endOfStream };
  } else {
    msg = { phase, observabilityMode, headers: readHeadersPhase(r, true).headers, endOfStream: true };
  }
  if (protocolStart >= 0) {
    r.pos = protocolStart;
    msg.protocol = readProtocolConfig(r);
  }
  if (attributes) {
    const flat = flattenAttributes(attributes);
    if (flat) msg.attributes = flat;
  }
  return msg;
}
