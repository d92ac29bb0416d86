/**
 * The ext_proc wire shapes the harness speaks, as proto-loader gives them with the project's
 * loader options (camelCase fields, enums as names, oneof names reported), plus the small
 * conversions every part of the harness needs: header maps and `google.protobuf.Struct`.
 */
import type { ProcessingRequest } from '../../src/gen/envoy/service/ext_proc/v3/ProcessingRequest.js';
import type { ProcessingResponse__Output } from '../../src/gen/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { ProcessingResponse } from '../../src/gen/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { ProcessingRequest__Output } from '../../src/gen/envoy/service/ext_proc/v3/ProcessingRequest.js';
import type { CommonResponse__Output } from '../../src/gen/envoy/service/ext_proc/v3/CommonResponse.js';
import type { HeaderMutation__Output } from '../../src/gen/envoy/service/ext_proc/v3/HeaderMutation.js';
import type { HeaderValue__Output } from '../../src/gen/envoy/config/core/v3/HeaderValue.js';
import type { HeaderMap } from '../../src/gen/envoy/config/core/v3/HeaderMap.js';
import type { ProcessingMode__Output } from '../../src/gen/envoy/extensions/filters/http/ext_proc/v3/ProcessingMode.js';
import type { ImmediateResponse__Output } from '../../src/gen/envoy/service/ext_proc/v3/ImmediateResponse.js';
import type { Struct, Struct__Output } from '../../src/gen/google/protobuf/Struct.js';
import type { Value, Value__Output } from '../../src/gen/google/protobuf/Value.js';

/** A message the harness (Envoy's side) sends to the processor. */
export type OutboundMessage = ProcessingRequest;
/** A message the harness receives from the processor (decoded). */
export type InboundReply = ProcessingResponse__Output;
/** A message the fake processor sends (encoder input shape). */
export type ProcessorReply = ProcessingResponse;
/** A message the fake processor receives (decoded). */
export type ProcessorMessage = ProcessingRequest__Output;
/** `CommonResponse` as decoded. */
export type CommonReply = CommonResponse__Output;
/** `HeaderMutation` as decoded. */
export type HeaderMutationReply = HeaderMutation__Output;
/** `ImmediateResponse` as decoded. */
export type ImmediateReply = ImmediateResponse__Output;
/** `ProcessingMode` as decoded (a `mode_override`). */
export type ModeOverride = ProcessingMode__Output;

/** Which phase a request message carries (the `request` oneof). */
export type PhaseKind =
  | 'requestHeaders'
  | 'responseHeaders'
  | 'requestBody'
  | 'responseBody'
  | 'requestTrailers'
  | 'responseTrailers';

/** Which reply a processor message carries (the `response` oneof). */
export type ReplyKind = PhaseKind | 'immediateResponse';

/** Header send modes, as in `ProcessingMode.HeaderSendMode` (DEFAULT left out: use the field's default). */
export type HeaderSendMode = 'SEND' | 'SKIP';

/** Body send modes, as in `ProcessingMode.BodySendMode`. */
export type BodySendMode = 'NONE' | 'STREAMED' | 'BUFFERED' | 'BUFFERED_PARTIAL' | 'FULL_DUPLEX_STREAMED';

/** An ordered header list with lower-case names; duplicates are separate entries. */
export type HeaderList = Array<[name: string, value: string]>;

/** The reply kind of a decoded processor message, or undefined when none is set. */
export function replyKind(reply: InboundReply): ReplyKind | undefined {
  return reply.response;
}

/**
 * Encodes a header list as Envoy does: `raw_value` bytes, `value` left empty. Header strings are
 * Latin-1 in Node, so the bytes round-trip exactly.
 */
export function toHeaderMap(headers: HeaderList): HeaderMap {
  return { headers: headers.map(([key, value]) => ({ key, rawValue: Buffer.from(value, 'latin1') })) };
}

/** A header value as decoded, or as built for encoding (bytes given as a base64 string, as protobufjs reads them). */
type AnyHeaderValue = HeaderValue__Output | { key?: string; value?: string; rawValue?: Buffer | Uint8Array | string };

/** The value of one header from a mutation: `raw_value` when it has bytes, else `value`. */
export function headerValueOf(header: AnyHeaderValue): string {
  const raw = header.rawValue;
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'base64') : raw ? Buffer.from(raw) : undefined;
  if (bytes && bytes.length > 0) return bytes.toString('latin1');
  return header.value ?? '';
}

/** Decodes a header map (as sent by Envoy, or as trailers in a reply) into a header list. */
export function fromHeaderMap(map: { headers?: AnyHeaderValue[] | null } | null | undefined): HeaderList {
  return (map?.headers ?? []).map((h) => [(h.key ?? '').toLowerCase(), headerValueOf(h)]);
}

/** JSON value carried in a `google.protobuf.Struct`. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Converts a decoded `Struct` into plain JSON. */
export function structToJson(struct: Struct__Output | undefined): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(struct?.fields ?? {})) out[key] = valueToJson(value);
  return out;
}

function valueToJson(value: Value__Output): JsonValue {
  switch (value.kind) {
    case 'numberValue':
      return value.numberValue ?? 0;
    case 'stringValue':
      return value.stringValue ?? '';
    case 'boolValue':
      return value.boolValue ?? false;
    case 'structValue':
      return structToJson(value.structValue);
    case 'listValue':
      return (value.listValue?.values ?? []).map(valueToJson);
    default:
      return null;
  }
}

/** Converts plain JSON into a `Struct` for encoding. */
export function jsonToStruct(json: Record<string, JsonValue>): Struct {
  const fields: Record<string, Value> = {};
  for (const [key, value] of Object.entries(json)) fields[key] = jsonToValue(value);
  return { fields };
}

function jsonToValue(value: JsonValue): Value {
  if (value === null) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'string') return { stringValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(jsonToValue) } };
  return { structValue: jsonToStruct(value) };
}
