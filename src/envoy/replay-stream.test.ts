import { describe, expect, it } from 'vitest';
import { sseChunks } from './replay-stream.js';

describe('sseChunks', () => {
  it('cuts after each blank line, LF or CRLF, keeping every byte', () => {
    const body = 'data: a\n\ndata: b\r\n\r\nevent: x\ndata: c\n\ntail';
    const chunks = sseChunks(Buffer.from(body));
    expect(chunks.map(String)).toEqual(['data: a\n\n', 'data: b\r\n\r\n', 'event: x\ndata: c\n\n', 'tail']);
    expect(Buffer.concat(chunks).toString()).toBe(body);
  });

  it('gives one chunk for a body without a blank line', () => {
    expect(sseChunks(Buffer.from('{"a":1}')).map(String)).toEqual(['{"a":1}']);
  });
});
