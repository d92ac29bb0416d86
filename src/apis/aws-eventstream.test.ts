import { Crc32 } from '@smithy/core/checksum';
import { EventStreamCodec, type MessageHeaders } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitAt } from '../../test/support/chunking.js';
import { AwsEventStreamParser, type AwsEvent } from './aws-eventstream.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function frame(eventType: string, payload: unknown, messageType = 'event', extra: MessageHeaders = {}): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':message-type': { type: 'string', value: messageType },
      ':content-type': { type: 'string', value: 'application/json' },
      ...extra,
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

/** A Bedrock Converse stream, as frames with the payloads they carry. */
const CONVERSE: ReadonlyArray<readonly [string, unknown]> = [
  ['messageStart', { role: 'assistant' }],
  ['contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hello' } }],
  ['contentBlockDelta', { contentBlockIndex: 0, delta: { text: ', wörld 😀' } }],
  ['contentBlockStop', { contentBlockIndex: 0 }],
  ['messageStop', { stopReason: 'end_turn' }],
  ['metadata', { usage: { inputTokens: 10, outputTokens: 20, totalTokens: 30 }, metrics: { latencyMs: 100 } }],
];
const FRAMES = CONVERSE.map(([type, payload]) => frame(type, payload));
const STREAM = Buffer.concat(FRAMES);

function decoded(events: readonly AwsEvent[]): Array<{ eventType?: string; messageType?: string; payload: unknown }> {
  return events.map((e) => ({ eventType: e.eventType, messageType: e.messageType, payload: JSON.parse(toUtf8(e.payload)) }));
}

const EXPECTED = CONVERSE.map(([eventType, payload]) => ({ eventType, messageType: 'event', payload }));

function feed(parser: AwsEventStreamParser, chunks: readonly Uint8Array[]): AwsEvent[] {
  const events: AwsEvent[] = [];
  for (const c of chunks) events.push(...parser.push(c));
  events.push(...parser.end());
  return events;
}

/** A frame with correct checksums around arbitrary header bytes. */
function rawFrame(headers: Uint8Array, body: Uint8Array): Uint8Array {
  const total = 16 + headers.length + body.length;
  const out = Buffer.alloc(total);
  out.writeUInt32BE(total, 0);
  out.writeUInt32BE(headers.length, 4);
  const crc = new Crc32();
  crc.update(out.subarray(0, 8));
  out.writeUInt32BE(crc.digestSync(), 8);
  out.set(headers, 12);
  out.set(body, 12 + headers.length);
  crc.update(out.subarray(8, total - 4));
  out.writeUInt32BE(crc.digestSync(), total - 4);
  return out;
}

describe('AwsEventStreamParser', () => {
  it('decodes a Converse stream pushed whole', () => {
    const parser = new AwsEventStreamParser();
    expect(decoded(parser.push(STREAM))).toEqual(EXPECTED);
    expect(parser.end()).toEqual([]);
    expect(parser.errors).toBe(0);
  });

  it('decodes it pushed one byte at a time', () => {
    const parser = new AwsEventStreamParser();
    expect(decoded(feed(parser, splitAt(STREAM, [...STREAM.keys()])))).toEqual(EXPECTED);
    expect(parser.errors).toBe(0);
  });

  it('decodes it for any split into chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (points) => {
        const parser = new AwsEventStreamParser();
        expect(decoded(feed(parser, splitAt(STREAM, points)))).toEqual(EXPECTED);
        expect(parser.errors).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('reports exception frames with their type', () => {
    const parser = new AwsEventStreamParser();
    const exception = frame('x', { message: 'Too many requests' }, 'exception', {
      ':exception-type': { type: 'string', value: 'throttlingException' },
    });
    const [event] = parser.push(exception);
    expect(event?.messageType).toBe('exception');
    expect(event?.exceptionType).toBe('throttlingException');
    expect(JSON.parse(toUtf8(event!.payload))).toEqual({ message: 'Too many requests' });
  });

  it('stops at a corrupt frame, whatever byte is damaged and however the stream is split', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: FRAMES.length - 1 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (bad, at, flip, points) => {
          const frames = FRAMES.map((f) => Buffer.from(f));
          const target = frames[bad]!;
          target[at % target.length]! ^= flip;
          const parser = new AwsEventStreamParser();
          const events = feed(parser, splitAt(Buffer.concat(frames), points));
          expect(decoded(events)).toEqual(EXPECTED.slice(0, bad));
          expect(parser.errors).toBe(1);
          expect(parser.lastError).toBeTruthy();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects impossible lengths at once instead of waiting for bytes', () => {
    const huge = Buffer.from(FRAMES[0]!);
    huge.writeUInt32BE(0xffffffff, 0);
    const parser = new AwsEventStreamParser();
    expect(parser.push(huge.subarray(0, 12))).toEqual([]);
    expect(parser.errors).toBe(1);
    expect(parser.lastError).toMatch(/frame length/);
    expect(parser.push(FRAMES[1]!)).toEqual([]);

    const tiny = new AwsEventStreamParser();
    tiny.push(Uint8Array.of(0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0));
    expect(tiny.errors).toBe(1);
  });

  it('counts headers the codec cannot parse as an error, without throwing', () => {
    const parser = new AwsEventStreamParser();
    const unknownHeaderType = rawFrame(Uint8Array.of(1, 0x78, 99), fromUtf8('{}'));
    expect(parser.push(Buffer.concat([FRAMES[0]!, unknownHeaderType, FRAMES[1]!])).map((e) => e.eventType)).toEqual([
      'messageStart',
    ]);
    expect(parser.errors).toBe(1);
  });

  it('counts a stream that ends inside a frame', () => {
    const parser = new AwsEventStreamParser();
    expect(decoded(parser.push(STREAM.subarray(0, STREAM.length - 5)))).toEqual(EXPECTED.slice(0, -1));
    expect(parser.errors).toBe(0);
    expect(parser.end()).toEqual([]);
    expect(parser.errors).toBe(1);
    expect(parser.lastError).toMatch(/ended inside a frame/);
  });

  it('accepts empty payloads and frames without headers', () => {
    const parser = new AwsEventStreamParser();
    const events = parser.push(rawFrame(new Uint8Array(0), new Uint8Array(0)));
    expect(events).toEqual([{ payload: new Uint8Array(0) }]);
  });

  it('keeps no reference to pushed chunks', () => {
    const parser = new AwsEventStreamParser();
    const first = Buffer.from(STREAM.subarray(0, 30));
    const rest = Buffer.from(STREAM.subarray(30));
    expect(parser.push(first)).toEqual([]);
    first.fill(0); // the kept start of frame 0 must be a copy
    const events = parser.push(rest);
    rest.fill(0); // payloads must be copies
    expect(decoded(events)).toEqual(EXPECTED);
    expect(parser.errors).toBe(0);

    const whole = Buffer.from(STREAM);
    const direct = new AwsEventStreamParser().push(whole);
    whole.fill(0);
    expect(decoded(direct)).toEqual(EXPECTED);
  });

  it('reports a damaged length at once, from the prelude checksum', () => {
    // Frame 0 alone, claiming one byte more than it has: without the prelude check the parser
    // would wait for that byte.
    const damaged = Buffer.from(FRAMES[0]!);
    damaged.writeUInt32BE(damaged.readUInt32BE(0) + 1, 0);
    const parser = new AwsEventStreamParser();
    expect(parser.push(damaged)).toEqual([]);
    expect(parser.errors).toBe(1);
    expect(parser.lastError).toMatch(/prelude checksum/);
  });
});
