import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replaceTopLevelValue } from './top-level-replace.js';

const parse = (b: Buffer | undefined): unknown => (b ? JSON.parse(b.toString('utf8')) : undefined);

describe('replaceTopLevelValue', () => {
  it('replaces the member in place and keeps every other byte', () => {
    const body = Buffer.from('{ "model" : "gpt-4o",\n  "messages": [{"role":"user","content":"model: \\"x\\""}] }');
    const out = replaceTopLevelValue(body, 'model', 'gpt-4o-2024-08-06');
    expect(out?.toString()).toBe('{ "model" : "gpt-4o-2024-08-06",\n  "messages": [{"role":"user","content":"model: \\"x\\""}] }');
  });

  it('replaces the occurrence JSON.parse reads (the last), never a nested one', () => {
    const body = Buffer.from('{"model":"a","nested":{"model":"inner"},"model":"b"}');
    const out = replaceTopLevelValue(body, 'model', 'c');
    expect(out?.toString()).toBe('{"model":"a","nested":{"model":"inner"},"model":"c"}');
    expect(parse(out)).toEqual({ model: 'c', nested: { model: 'inner' } });
  });

  it('matches escaped key names as JSON.parse does, and escapes the new value', () => {
    const out = replaceTopLevelValue(Buffer.from('{"mod\\u0065l":"a"}'), 'model', 'quote"d\u2028');
    expect(parse(out)).toEqual({ model: 'quote"d\u2028' });
  });

  it('changes nothing when the body is not JSON, lacks the member, or already holds the value', () => {
    expect(replaceTopLevelValue(Buffer.from('{"model":'), 'model', 'x')).toBeUndefined();
    expect(replaceTopLevelValue(Buffer.from('{"messages":[]}'), 'model', 'x')).toBeUndefined();
    expect(replaceTopLevelValue(Buffer.from('["model"]'), 'model', 'x')).toBeUndefined();
    expect(replaceTopLevelValue(Buffer.from('{"model":"x"}'), 'model', 'x')).toBeUndefined();
  });

  it('agrees with JSON.parse on arbitrary objects', () => {
    const key = fc.constantFrom('model', 'stream', 'messages', 'm');
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.dictionary(key, fc.string(), { maxKeys: 2 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { maxLength: 6 }), fc.string(), (members, next) => {
        const body = Buffer.from(`{${members.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(', ')}}`);
        const before = JSON.parse(body.toString()) as Record<string, unknown>;
        const out = replaceTopLevelValue(body, 'model', next);
        if (!('model' in before) || before['model'] === next) {
          expect(out).toBeUndefined();
        } else {
          expect(parse(out)).toEqual({ ...before, model: next });
        }
      }),
    );
  });
});
