import { describe, expect, it } from 'vitest';
import { feedChunked } from '../../test/support/chunking.js';
import type { ResponseParser } from './api.js';
import {
  BoundedBody,
  eventStreamParser,
  isEventStream,
  jsonResponseParser,
  readJsonBody,
  responseKeys,
  sniffingParser,
  sseEventType,
} from './response-readers.js';

describe('BoundedBody', () => {
  it('keeps copies up to the cap and drops everything past it', () => {
    const b = new BoundedBody(5);
    const chunk = Buffer.from('abc');
    b.push(chunk);
    chunk[0] = 0x7a;
    expect(b.bytes().toString()).toBe('abc');
    b.push(Buffer.from('def'));
    expect(b.overflowed).toBe(true);
    expect(b.length).toBe(0);
  });
});

describe('jsonResponseParser', () => {
  const keys = responseKeys('usage');
  const read = (top: Readonly<Record<string, unknown>>) => ({ usage: { total: (top['usage'] as { t: number }).t } });

  it('gives up on usage past the cap and says why', () => {
    const p = jsonResponseParser(keys, read, { maxBytes: 10 });
    expect(feedChunked(p, '{"usage":{"t":1},"pad":"xxxxxxxx"}', 1, 4)).toEqual({ usage: {}, parseError: 'body_too_large' });
  });

  it('skips non-JSON bodies when asked', () => {
    const p = jsonResponseParser(keys, read, { contentType: 'audio/mpeg', requireJson: true });
    expect(feedChunked(p, '{"usage":{"t":1}}', 1)).toEqual({ usage: {} });
  });

  it('contains a throwing reader', () => {
    expect(readJsonBody(Buffer.from('{"usage":null}'), keys, read)).toEqual({ usage: {}, parseError: 'unreadable_body' });
  });
});

describe('eventStreamParser', () => {
  it('contains throws from the handler and still ends', () => {
    const decoder = { push: (c: Uint8Array) => [c.length], end: () => [] as number[] };
    const p = eventStreamParser(decoder, {
      onEvent() {
        throw new Error('bad handler');
      },
      finish: () => ({ usage: { output: 1 } }),
    });
    p.push(Buffer.from('x'));
    p.push(Buffer.from('y'));
    expect(p.end()).toEqual({ usage: { output: 1 }, parseError: 'unreadable_stream' });
    expect(p.end()).toEqual({ usage: { output: 1 }, parseError: 'unreadable_stream' });
  });
});

describe('sniffingParser', () => {
  it('chooses by the first non-whitespace byte and replays held bytes', () => {
    const seen: number[] = [];
    const collector = (tag: number): ResponseParser => {
      const parts: Buffer[] = [];
      return {
        push: (c) => void parts.push(Buffer.from(c)),
        end: () => ({ usage: {}, model: `${tag}:${Buffer.concat(parts).toString()}` }),
      };
    };
    const p = sniffingParser((b) => {
      seen.push(b ?? -1);
      return collector(b ?? -1);
    });
    p.push(Buffer.from('  \n'));
    p.push(Buffer.from(' [1]'));
    expect(p.end().model).toBe(`${0x5b}:  \n [1]`);
    expect(seen).toEqual([0x5b]);
    expect(sniffingParser((b) => collector(b ?? -1)).end().model).toBe('-1:');
  });
});

describe('helpers', () => {
  it('recognises event streams and event types', () => {
    expect(isEventStream('Text/Event-Stream; charset=utf-8')).toBe(true);
    expect(isEventStream('application/json')).toBe(false);
    expect(sseEventType({ event: 'message_start', data: '{}' })).toBe('message_start');
    expect(sseEventType({ data: '{ "type" : "response.completed", "x": 1}' })).toBe('response.completed');
    expect(sseEventType({ data: '{"x":{"type":"nested"}}' })).toBeUndefined();
  });
});
