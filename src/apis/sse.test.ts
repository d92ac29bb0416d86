import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { splitAt } from '../../test/support/chunking.js';
import { SseParser, type SseEvent } from './sse.js';

const repoRoot = new URL('../../', import.meta.url);
const fixtureUrl = new URL('../shared/fixtures/openai-recorded/chat-streaming.yaml', repoRoot);

/** The recorded OpenAI chat streaming response body. */
function recordedStream(): string {
  const cassette = parseYaml(readFileSync(fixtureUrl, 'utf8')) as {
    interactions: Array<{ response: { body: string } }>;
  };
  const body = cassette.interactions[0]?.response.body;
  if (typeof body !== 'string') throw new Error('fixture has no response body');
  return body;
}

function feed(chunks: readonly Uint8Array[]): SseEvent[] {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  for (const c of chunks) events.push(...parser.push(c));
  events.push(...parser.end());
  return events;
}

const whole = (s: string | Uint8Array): SseEvent[] => feed([typeof s === 'string' ? Buffer.from(s) : s]);

/**
 * Straightforward reading of the WHATWG rules on the fully decoded text, used as the oracle
 * (with the lenient end: an unterminated last line is processed and a pending event dispatched).
 */
function oracle(bytes: Uint8Array): SseEvent[] {
  let text = Buffer.from(bytes).toString('utf8');
  if (text.startsWith('\ufeff')) text = text.slice(1);
  const lines = text.split(/\r\n|\r|\n/);
  const rest = lines.pop()!;
  if (rest !== '') lines.push(rest);
  const events: SseEvent[] = [];
  let data: string[] = [];
  let type = '';
  let lastId = '';
  const dispatch = () => {
    if (data.length > 0) {
      const e: SseEvent = { data: data.join('\n') };
      if (type !== '') e.event = type;
      if (lastId !== '') e.id = lastId;
      events.push(e);
    }
    data = [];
    type = '';
  };
  for (const line of lines) {
    if (line === '') {
      dispatch();
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') type = value;
    else if (field === 'id' && !value.includes('\0')) lastId = value;
  }
  dispatch();
  return events;
}

describe('SseParser on the recorded OpenAI stream', () => {
  const body = recordedStream();
  const dataLines = body.split('\n').filter((l) => l.startsWith('data: '));

  it('yields one event per data line, with the JSON intact and [DONE] last', () => {
    const events = whole(body);
    expect(dataLines.length).toBeGreaterThan(10);
    expect(events.map((e) => e.data)).toEqual(dataLines.map((l) => l.slice('data: '.length)));
    expect(events.at(-1)).toEqual({ data: '[DONE]' });
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as { object: string; model: string });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'gpt-5-nano-2025-08-07')).toBe(true);
  });

  it('gives the same events with CRLF or CR line ends, and fed one byte at a time', () => {
    const expected = whole(body);
    expect(whole(body.replace(/\n/g, '\r\n'))).toEqual(expected);
    expect(whole(body.replace(/\n/g, '\r'))).toEqual(expected);
    const crlf = Buffer.from(body.replace(/\n/g, '\r\n'));
    expect(feed(splitAt(crlf, [...crlf.keys()]))).toEqual(expected);
  });

  it('gives the same events for any split into chunks', () => {
    const variants = [body, body.replace(/\n/g, '\r\n'), body.replace(/\n/g, '\r')].map((s) => Buffer.from(s));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.array(fc.nat(), { maxLength: 60 }), (variant, points) => {
        const bytes = variants[variant]!;
        expect(feed(splitAt(bytes, points))).toEqual(whole(bytes));
      }),
      { numRuns: 200 },
    );
  });
});

describe('SseParser', () => {
  it('strips exactly one space after the colon, and accepts none', () => {
    expect(whole('data:a\n\ndata: b\n\ndata:  c\n\n')).toEqual([{ data: 'a' }, { data: 'b' }, { data: ' c' }]);
  });

  it('joins data lines with LF and keeps empty data lines', () => {
    expect(whole('data: a\ndata:\ndata\ndata: b\n\n')).toEqual([{ data: 'a\n\n\nb' }]);
    expect(whole('data:\n\n')).toEqual([{ data: '' }]);
  });

  it('ignores comments, retry, unknown and wrongly-cased fields', () => {
    expect(whole(': keep-alive\nretry: 10\nfoo: bar\nData: x\nDATA: y\ndata : z\ndata: ok\n\n')).toEqual([{ data: 'ok' }]);
  });

  it('does not dispatch an event without data, and resets its type', () => {
    expect(whole('event: ping\n\ndata: x\n\n')).toEqual([{ data: 'x' }]);
  });

  it('reports the event type and keeps the last event id across events', () => {
    expect(whole('event: message_start\nid: 1\ndata: {}\n\ndata: 2\n\nid\ndata: 3\n\nid: a\0b\ndata: 4\n\n')).toEqual([
      { event: 'message_start', id: '1', data: '{}' },
      { id: '1', data: '2' },
      { data: '3' },
      { data: '4' },
    ]);
  });

  it('takes a CR at the end of a chunk and an LF at the start of the next as one line end', () => {
    const parser = new SseParser();
    expect(parser.push(Buffer.from('data: a\r'))).toEqual([]);
    expect(parser.push(Buffer.from('\ndata: b\r'))).toEqual([]);
    expect(parser.push(Buffer.from('\r'))).toEqual([{ data: 'a\nb' }]);
    expect(parser.push(Buffer.from('\ndata: c\n\n'))).toEqual([{ data: 'c' }]);
  });

  it('decodes a multi-byte character split across chunks', () => {
    const bytes = Buffer.from('data: 日本😀\n\n');
    const parser = new SseParser();
    const events: SseEvent[] = [];
    for (const b of bytes) events.push(...parser.push(Uint8Array.of(b)));
    expect(events).toEqual([{ data: '日本😀' }]);
  });

  it('drops a leading BOM, even split across chunks, but only at the start', () => {
    const bom = [0xef, 0xbb, 0xbf];
    const bytes = Buffer.concat([Buffer.from(bom), Buffer.from('data: a\n\n'), Buffer.from(bom), Buffer.from('data: b\n\n')]);
    expect(feed([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)])).toEqual([{ data: 'a' }]);
  });

  it('replaces invalid UTF-8 with U+FFFD', () => {
    expect(whole(Buffer.concat([Buffer.from('data: a'), Buffer.from([0xff, 0xe2, 0x82]), Buffer.from('\n\n')]))).toEqual([
      { data: 'a\ufffd\ufffd' },
    ]);
  });

  it('dispatches at end() without a closing blank line or line end', () => {
    const parser = new SseParser();
    expect(parser.push(Buffer.from('data: a\n\ndata: b\ndata: c'))).toEqual([{ data: 'a' }]);
    expect(parser.end()).toEqual([{ data: 'b\nc' }]);
    expect(parser.end()).toEqual([]);
    expect(parser.push(Buffer.from('data: late\n\n'))).toEqual([]);
  });

  it('does not keep a reference to a pushed chunk', () => {
    const parser = new SseParser();
    const chunk = Buffer.from('data: abc');
    parser.push(chunk);
    chunk.fill(0x78);
    expect(parser.push(Buffer.from('\n\n'))).toEqual([{ data: 'abc' }]);
  });

  it('agrees with a whole-text reading of the rules for any stream and any split', () => {
    const piece = fc.oneof(
      fc.constantFrom('data', 'data:', 'data: ', 'event: ', 'id: ', 'id:\0', 'retry: 5', ':', ': c', 'x', ' ', ':data'),
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.constantFrom('\n', '\r', '\r\n', '\n\n', '\r\n\r\n', '\r\r'),
      fc.constantFrom('é', '日', '😀', '\ufeff'),
    );
    const stream = fc.tuple(fc.array(piece, { maxLength: 40 }), fc.boolean()).map(([pieces, bom]) => {
      const bytes = Buffer.from(pieces.join(''));
      return bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]) : bytes;
    });
    const withInvalid = fc.tuple(stream, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0x80, max: 0xff })), { maxLength: 3 })).map(
      ([bytes, bad]) => {
        const b = Buffer.from(bytes);
        for (const [at, v] of bad) if (b.length > 0) b[at % b.length] = v;
        return b;
      },
    );
    fc.assert(
      fc.property(fc.oneof(stream, withInvalid), fc.array(fc.nat(), { maxLength: 20 }), (bytes, points) => {
        const expected = oracle(bytes);
        expect(whole(bytes)).toEqual(expected);
        expect(feed(splitAt(bytes, points))).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
