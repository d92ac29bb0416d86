import { describe, expect, it } from 'vitest';
import { canonicalBody, canonicalJson, isDeterministic, jsonObject, keyDigest, type KeyParts } from './cache-key.js';

const parts: KeyParts = { api: 'openai.chat_completions', rule: 'openai', backend: 'openai', model: 'gpt-4o-mini', path: '/v1/chat/completions', stream: false };
const digestOf = (body: string, over: Partial<KeyParts> = {}, ignore: string[] = ['user']) => keyDigest({ ...parts, ...over }, canonicalBody(jsonObject(Buffer.from(body))!, ignore));

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });
});

describe('keyDigest', () => {
  const body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"temperature":0}';

  it('is the same for bodies that differ only in key order, spacing or an ignored field', () => {
    const reordered = '{ "temperature": 0, "messages": [ {"content":"hi","role":"user"} ], "model": "gpt-4o-mini", "user": "alice" }';
    expect(digestOf(reordered)).toBe(digestOf(body));
  });

  it('differs for any change in the prompt, a parameter, or a field that is not ignored', () => {
    const d = digestOf(body);
    expect(digestOf(body.replace('"hi"', '"hi!"'))).not.toBe(d);
    expect(digestOf(body.replace('"temperature":0', '"temperature":0.1'))).not.toBe(d);
    expect(digestOf(body.replace('}', ',"user":"bob"}'), {}, [])).not.toBe(digestOf(body, {}, []));
  });

  it('differs by API, rule, backend, model sent, path and stream flag', () => {
    const d = digestOf(body);
    for (const over of [{ api: 'openai.completions' }, { rule: 'other' }, { backend: 'azure' }, { model: 'gpt-4o' }, { path: '/v1/chat/completions?x=1' }, { stream: true }]) {
      expect(digestOf(body, over), JSON.stringify(over)).not.toBe(d);
    }
  });
});

describe('jsonObject', () => {
  it('reads JSON objects only', () => {
    expect(jsonObject(Buffer.from('{"a":1}'))).toEqual({ a: 1 });
    for (const b of ['[1]', 'null', '"x"', 'not json', '']) expect(jsonObject(Buffer.from(b)), b).toBeUndefined();
  });
});

describe('isDeterministic', () => {
  it('holds for temperature 0 or a seed, at the top level, in generationConfig or inferenceConfig', () => {
    expect(isDeterministic({ temperature: 0 })).toBe(true);
    expect(isDeterministic({ seed: 42, temperature: 1 })).toBe(true);
    expect(isDeterministic({ generationConfig: { temperature: 0 } })).toBe(true);
    expect(isDeterministic({ inferenceConfig: { temperature: 0 } })).toBe(true);
    expect(isDeterministic({})).toBe(false);
    expect(isDeterministic({ temperature: 0.2 })).toBe(false);
    expect(isDeterministic({ seed: '42' })).toBe(false);
  });
});
