/**
 * The specialised ProcessingResponse writer against the reference path: for random replies, the
 * bytes it writes, decoded by protobufjs (our protos), must equal what proto-loader writes from
 * `toProcessingResponse`'s output, decoded the same way (every field, defaults included).
 */
import fc from 'fast-check';
import type * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { loadOurRoot } from '../../test/support/proto-roots.js';
import type { BodyMode, Phase, PhaseReply } from '../hooks/phase.js';
import { toProcessingResponse } from './messages.js';
import { loadServiceDefinitions } from './protos.js';
import { encodeProcessingResponse } from './response-encoder.js';
import type { WireProcessingResponse } from './wire-types.js';

const root = loadOurRoot();
const ProcessingResponse = root.lookupType('envoy.service.ext_proc.v3.ProcessingResponse');
const reference = loadServiceDefinitions().extProcObjects['Process'] as grpc.MethodDefinition<object, WireProcessingResponse>;

/** A decoded message as a plain object with every field, defaults included, bytes as hex. */
function canonical(bytes: Uint8Array): unknown {
  const message = ProcessingResponse.decode(bytes);
  return ProcessingResponse.toObject(message, { defaults: true, oneofs: true, enums: String, longs: String, bytes: String, arrays: true, objects: true });
}

const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('', 'x-ai-eg-model', 'content-length', 'é', '1'));
const phases: Phase[] = ['requestHeaders', 'responseHeaders', 'requestBody', 'responseBody', 'requestTrailers', 'responseTrailers'];
const bodyModes: BodyMode[] = ['NONE', 'STREAMED', 'BUFFERED', 'BUFFERED_PARTIAL', 'FULL_DUPLEX_STREAMED'];
const bytes = fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b));
const headerPairs = fc.array(fc.tuple(text, text), { maxLength: 4 });

/** Plain values as processors put them in dynamic metadata, including ones Struct cannot hold. */
const metaValue = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    fc.constant(null),
    fc.constant(undefined),
    fc.double(),
    fc.integer(),
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
    text,
    fc.boolean(),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(text.filter((k) => k !== '__proto__'), tie('v'), { maxKeys: 3, noNullPrototype: true }),
  ),
})).v;
const metadata = fc.dictionary(
  text.filter((k) => k !== '__proto__'),
  fc.dictionary(text.filter((k) => k !== '__proto__'), metaValue, { maxKeys: 3, noNullPrototype: true }),
  { maxKeys: 2, noNullPrototype: true },
);

const continueReply = fc.record(
  {
    kind: fc.constant('continue' as const),
    phase: fc.constantFrom(...phases),
    headers: fc.record({ set: headerPairs, remove: fc.array(text, { maxLength: 3 }) }, { requiredKeys: [] }),
    body: bytes,
    streamedBody: fc.record({ chunk: bytes, endOfStream: fc.boolean() }),
    clearRouteCache: fc.boolean(),
    responseBodyMode: fc.constantFrom(...bodyModes),
    dynamicMetadata: metadata,
  },
  { requiredKeys: ['kind', 'phase'] },
);

const immediateReply = fc.record({
  kind: fc.constant('immediate' as const),
  status: fc.oneof(fc.constantFrom(200, 400, 401, 404, 429, 500, 503), fc.integer({ min: -5, max: 100_000 })),
  headers: headerPairs,
  body: fc.oneof(fc.string({ unit: 'binary', maxLength: 64 }), bytes),
  details: text,
});

const replyArb: fc.Arbitrary<PhaseReply> = fc.oneof(continueReply, immediateReply);

describe('encodeProcessingResponse', () => {
  it('writes what proto-loader writes from toProcessingResponse, field for field', () => {
    fc.assert(
      fc.property(replyArb, (reply) => {
        const ours = encodeProcessingResponse(reply);
        const expected = reference.responseSerialize(toProcessingResponse(reply));
        expect(canonical(ours)).toEqual(canonical(expected));
        // proto-loader (what a grpc-js client decodes with) reads it too.
        expect(reference.responseDeserialize(ours)).toEqual(reference.responseDeserialize(expected));
      }),
      { numRuns: 3000 },
    );
  });

  it('routes a request: the header set, content-length removed, the route cache cleared', () => {
    const reply: PhaseReply = {
      kind: 'continue',
      phase: 'requestHeaders',
      headers: { set: [['x-ai-eg-model', 'gpt-4o']], remove: ['content-length'] },
      clearRouteCache: true,
    };
    const hex = (s: string): string => s.replace(/\s+/g, '');
    // The cross-checked fixture of test/protos.test.ts without its mode_override, status CONTINUE written out.
    expect(encodeProcessingResponse(reply).toString('hex')).toBe(
      hex(`0a35 0a33 0800 122d 0a1b 0a17 0a0d 782d61692d65672d6d6f64656c 1a06 6770742d346f 1802 120e 636f6e74656e742d6c656e677468 2801`),
    );
  });

  it('copies a replacement body once, into the message sent', () => {
    const body = Buffer.alloc(1 << 20, 0x61);
    const out = encodeProcessingResponse({ kind: 'continue', phase: 'requestBody', body });
    // Four nested headers of a few bytes each, then the body.
    expect(out.length - body.length).toBeLessThan(24);
    expect(out.subarray(out.length - body.length).equals(body)).toBe(true);
  });
});
