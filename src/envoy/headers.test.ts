import { describe, expect, it } from 'vitest';
import { headerMapToRecord, toHeaderMutation } from './headers.js';

const raw = (s: string) => Buffer.from(s, 'utf8');

describe('headerMapToRecord', () => {
  it('prefers raw_value bytes over value', () => {
    expect(headerMapToRecord({ headers: [{ key: 'x-a', value: 'from-value', rawValue: raw('from-raw') }] })).toEqual({ 'x-a': 'from-raw' });
  });

  it('falls back to value when raw_value is absent or empty', () => {
    expect(headerMapToRecord({ headers: [{ key: 'x-a', value: 'v' }, { key: 'x-b', value: 'w', rawValue: Buffer.alloc(0) }] })).toEqual({ 'x-a': 'v', 'x-b': 'w' });
  });

  it('decodes raw_value as UTF-8, from a Uint8Array view at an offset too', () => {
    const backing = new Uint8Array([0, 0, ...raw('caf\u00e9 \u{1F600}')]);
    const view = new Uint8Array(backing.buffer, 2);
    expect(headerMapToRecord({ headers: [{ key: 'x-u', rawValue: view }] })).toEqual({ 'x-u': 'caf\u00e9 \u{1F600}' });
  });

  it('lower-cases names and joins duplicates with a comma, in order', () => {
    expect(
      headerMapToRecord({
        headers: [
          { key: 'Accept', rawValue: raw('text/html') },
          { key: 'ACCEPT', rawValue: raw('application/json') },
          { key: ':path', rawValue: raw('/v1/chat/completions') },
        ],
      }),
    ).toEqual({ accept: 'text/html,application/json', ':path': '/v1/chat/completions' });
  });

  it('keeps empty values, skips entries without a name, and accepts a missing map', () => {
    expect(headerMapToRecord({ headers: [{ key: 'x-empty' }, { value: 'orphan' }, { key: '', rawValue: raw('x') }] })).toEqual({ 'x-empty': '' });
    expect(headerMapToRecord(undefined)).toEqual({});
    expect(headerMapToRecord({})).toEqual({});
  });

  it('returns a prototype-less record: header names never collide with Object members', () => {
    const r = headerMapToRecord({ headers: [{ key: '__proto__', rawValue: raw('p') }, { key: 'constructor', rawValue: raw('c') }] });
    expect(Object.getPrototypeOf(r)).toBe(null);
    expect(r['__proto__']).toBe('p');
    expect(r['constructor']).toBe('c');
    expect(headerMapToRecord({})['toString']).toBeUndefined();
  });
});

describe('toHeaderMutation', () => {
  it('sets headers with OVERWRITE_IF_EXISTS_OR_ADD and the value in raw_value bytes', () => {
    const m = toHeaderMutation([['x-ai-eg-selected-route', 'openai'], ['x-ai-eg-model', 'gpt-\u00e9']], undefined);
    expect(m).toEqual({
      setHeaders: [
        { header: { key: 'x-ai-eg-selected-route', rawValue: raw('openai') }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' },
        { header: { key: 'x-ai-eg-model', rawValue: raw('gpt-\u00e9') }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      ],
    });
    expect(m!.setHeaders![0]!.header.value).toBeUndefined();
  });

  it('removes headers by name', () => {
    expect(toHeaderMutation(undefined, ['content-length', 'x-ai-eg-model'])).toEqual({ removeHeaders: ['content-length', 'x-ai-eg-model'] });
  });

  it('combines set and remove, and copies the remove list', () => {
    const remove = ['content-length'];
    const m = toHeaderMutation([['a', 'b']], remove)!;
    expect(m.setHeaders).toHaveLength(1);
    expect(m.removeHeaders).toEqual(['content-length']);
    expect(m.removeHeaders).not.toBe(remove);
  });

  it('is undefined when there is nothing to change', () => {
    expect(toHeaderMutation(undefined, undefined)).toBeUndefined();
    expect(toHeaderMutation([], [])).toBeUndefined();
  });
});
