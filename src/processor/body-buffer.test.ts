import { describe, expect, it } from 'vitest';
import { BodyBuffer } from './body-buffer.js';

const b = (s: string) => Buffer.from(s);

describe('BodyBuffer', () => {
  it('collects chunks and takes them as one body', () => {
    const buf = new BodyBuffer(100);
    expect(buf.append(b('{"model":'))).toBe(true);
    expect(buf.append(b('"gpt-4o"}'))).toBe(true);
    expect(buf.length).toBe(18);
    expect(buf.take().toString()).toBe('{"model":"gpt-4o"}');
  });

  it('empties on take', () => {
    const buf = new BodyBuffer(100);
    buf.append(b('abc'));
    buf.take();
    expect(buf.length).toBe(0);
    expect(buf.take().length).toBe(0);
    buf.append(b('x'));
    expect(buf.take().toString()).toBe('x');
  });

  it('returns a single chunk without copying', () => {
    const buf = new BodyBuffer(100);
    const chunk = b('only');
    buf.append(chunk);
    expect(buf.take()).toBe(chunk);
  });

  it('ignores empty chunks', () => {
    const buf = new BodyBuffer(10);
    expect(buf.append(Buffer.alloc(0))).toBe(true);
    const chunk = b('a');
    buf.append(chunk);
    buf.append(Buffer.alloc(0));
    expect(buf.take()).toBe(chunk);
  });

  it('accepts a body of exactly the limit', () => {
    const buf = new BodyBuffer(4);
    expect(buf.append(b('ab'))).toBe(true);
    expect(buf.append(b('cd'))).toBe(true);
    expect(buf.take().toString()).toBe('abcd');
  });

  it('refuses the chunk that would exceed the limit and releases what it held', () => {
    const buf = new BodyBuffer(4);
    buf.append(b('abc'));
    expect(buf.append(b('de'))).toBe(false);
    expect(buf.length).toBe(0);
    expect(buf.take().length).toBe(0);
  });

  it('stays refused after overflowing: a smaller later chunk must not make a truncated body', () => {
    const buf = new BodyBuffer(4);
    buf.append(b('abc'));
    expect(buf.append(b('de'))).toBe(false);
    expect(buf.append(b('f'))).toBe(false);
    expect(buf.length).toBe(0);
    expect(buf.take().length).toBe(0);
  });
});
