/**
 * The specialised ProcessingRequest decoder against the reference path: random messages are
 * encoded with protobufjs (our protos), unknown fields of every wire type are injected at random
 * places, and the decoder's PhaseMessage must equal proto-loader's decode followed by
 * `toPhaseMessage`, field for field.
 */
import fc from 'fast-check';
import type * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { loadOurRoot } from '../../test/support/proto-roots.js';
import { injectionPlanArb, injectUnknownFields } from '../../test/support/unknown-fields.js';
import { toPhaseMessage, UnknownPhaseError } from './messages.js';
import { loadServiceDefinitions } from './protos.js';
import { decodeProcessingRequest } from './request-decoder.js';
import { MalformedMessageError } from './wire-reader.js';
import type { WireProcessingRequest } from './wire-types.js';

const root = loadOurRoot();
const ProcessingRequest = root.lookupType('envoy.service.ext_proc.v3.ProcessingRequest');
const reference = loadServiceDefinitions().extProcObjects['Process'] as grpc.MethodDefinition<WireProcessingRequest, object>;

/** Strings as Envoy may send them: any code point, or names that look like headers or numbers. */
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('', 'Content-Type', ':path', 'X-AI-Model', '1', '10', 'model'));
const mapKey = text.filter((k) => k !== '__proto__');

/** Struct / Value / ListValue (protobufjs' built-in google.protobuf types use camelCase names). */
const { value: valueArb, struct: structArb } = fc.letrec<{ value: object; struct: object }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    fc.constant({}),
    fc.constant({ nullValue: 0 }),
    fc.record({ numberValue: fc.double() }),
    fc.record({ stringValue: text }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ structValue: tie('struct') }),
    fc.record({ listValue: fc.record({ values: fc.array(tie('value'), { maxLength: 3 }) }) }),
  ),
  struct: fc.record({ fields: fc.dictionary(mapKey, tie('value'), { maxKeys: 4, noNullPrototype: true }) }),
}));

const headerValue = fc.record(
  { key: text, value: text, raw_value: fc.oneof(fc.uint8Array({ maxLength: 16 }), fc.string({ unit: 'binary', maxLength: 8 }).map((s) => Buffer.from(s))) },
  { requiredKeys: [] },
);
const headerMap = fc.record({ headers: fc.array(headerValue, { maxLength: 6 }) }, { requiredKeys: [] });
const httpHeaders = fc.record(
  { headers: headerMap, end_of_stream: fc.boolean(), attributes: fc.dictionary(mapKey, structArb, { maxKeys: 2, noNullPrototype: true }) },
  { requiredKeys: [] },
);
const httpBody = fc.record({ body: fc.uint8Array({ maxLength: 64 }), end_of_stream: fc.boolean() }, { requiredKeys: [] });
const httpTrailers = fc.record({ trailers: headerMap }, { requiredKeys: [] });
/** Body send modes, with numbers newer than ours. */
const bodyMode = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 5, max: 1000 }));

const phase = fc.oneof(
  httpHeaders.map((v) => ({ request_headers: v })),
  httpHeaders.map((v) => ({ response_headers: v })),
  httpBody.map((v) => ({ request_body: v })),
  httpBody.map((v) => ({ response_body: v })),
  httpTrailers.map((v) => ({ request_trailers: v })),
  httpTrailers.map((v) => ({ response_trailers: v })),
  fc.constant({}),
);

const requestArb = fc
  .tuple(
    phase,
    fc.record(
      {
        metadata_context: fc.record(
          {
            filter_metadata: fc.dictionary(mapKey, structArb, { maxKeys: 2, noNullPrototype: true }),
            typed_filter_metadata: fc.dictionary(mapKey, fc.record({ type_url: text, value: fc.uint8Array({ maxLength: 8 }) }), { maxKeys: 2, noNullPrototype: true }),
          },
          { requiredKeys: [] },
        ),
        attributes: fc.dictionary(mapKey, structArb, { maxKeys: 3, noNullPrototype: true }),
        observability_mode: fc.boolean(),
        protocol_config: fc.record(
          { request_body_mode: bodyMode, response_body_mode: bodyMode, send_body_without_waiting_for_header_response: fc.boolean() },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
  )
  .map(([p, rest]) => ({ ...p, ...rest }));

/** The reference answer: proto-loader's decode, then toPhaseMessage (or the error it throws). */
function referenceDecode(bytes: Buffer): unknown {
  try {
    return toPhaseMessage(reference.requestDeserialize(bytes));
  } catch (err) {
    return err instanceof UnknownPhaseError ? 'UnknownPhaseError' : err;
  }
}

function specialisedDecode(bytes: Buffer): unknown {
  try {
    return decodeProcessingRequest(bytes);
  } catch (err) {
    return err instanceof UnknownPhaseError ? 'UnknownPhaseError' : err;
  }
}

describe('decodeProcessingRequest', () => {
  it('answers as proto-loader + toPhaseMessage on random messages with unknown fields injected', () => {
    let injected = 0;
    fc.assert(
      fc.property(requestArb, injectionPlanArb, (request, plan) => {
        const encoded = ProcessingRequest.encode(request).finish();
        const withUnknowns = injectUnknownFields(ProcessingRequest, encoded, plan);
        injected += withUnknowns.injected;
        for (const bytes of [Buffer.from(encoded), withUnknowns.bytes]) {
          const expected = referenceDecode(bytes);
          expect(expected).not.toBeInstanceOf(Error);
          expect(specialisedDecode(bytes)).toEqual(expected);
        }
      }),
      { numRuns: 1500 },
    );
    expect(injected).toBeGreaterThan(1000);
  });

  it('keeps a body as a view of the received buffer', () => {
    const body = Buffer.from('{"model":"gpt-4o"}');
    const bytes = Buffer.from(ProcessingRequest.encode({ request_body: { body, end_of_stream: true } }).finish());
    const msg = decodeProcessingRequest(bytes);
    expect(msg.body).toEqual(body);
    expect(msg.body?.buffer).toBe(bytes.buffer);
    expect(msg.body!.byteOffset).toBe(bytes.byteOffset + bytes.indexOf(body));
  });

  it('takes the last member of the request oneof, as protobuf parsers must', () => {
    const headers = ProcessingRequest.encode({ request_headers: { end_of_stream: true } }).finish();
    const body = ProcessingRequest.encode({ response_body: { body: Buffer.from('x') } }).finish();
    expect(decodeProcessingRequest(Buffer.concat([headers, body]))).toMatchObject({ phase: 'responseBody', body: Buffer.from('x') });
    expect(decodeProcessingRequest(Buffer.concat([body, headers]))).toMatchObject({ phase: 'requestHeaders', endOfStream: true });
  });

  it('reports malformed bytes as MalformedMessageError or UnknownPhaseError, never another error', () => {
    const valid = requestArb.map((r) => Buffer.from(ProcessingRequest.encode(r).finish()));
    const damaged = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      fc.tuple(valid, fc.nat()).map(([b, n]) => b.subarray(0, b.length === 0 ? 0 : n % b.length)),
      fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([b, n, byte]) => {
        const copy = Buffer.from(b);
        if (copy.length > 0) copy[n % copy.length] = byte;
        return copy;
      }),
    );
    fc.assert(
      fc.property(damaged, (bytes) => {
        try {
          decodeProcessingRequest(bytes);
        } catch (err) {
          expect(err instanceof MalformedMessageError || err instanceof UnknownPhaseError).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses truncated fields, invalid wire types, unmatched group ends and known fields of the wrong wire type', () => {
    const cases = [
      '12 05 18 01', // request_headers announcing 5 bytes, 2 present
      '12 00 50', // observability_mode with no varint
      '12 00 50 ff ff ff ff ff ff ff ff ff ff 01', // an 11-byte varint
      '12 00 0e', // wire type 6
      '12 00 0c', // an end-group with no group
      '12 00 0b 14', // a group (field 1) ended as field 2
      '12 00 0b', // a group never ended
      '10 01', // request_headers as a varint
    ];
    for (const hex of cases) {
      expect(() => decodeProcessingRequest(Buffer.from(hex.replace(/ /g, ''), 'hex')), hex).toThrow(MalformedMessageError);
    }
  });
});
