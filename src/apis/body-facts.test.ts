import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errorOf } from '../../test/support/user-facing-error.js';
import type { UserFacingError } from '../errors.js';
import { MODEL_AND_STREAM, MODEL_ONLY, STREAM_ONLY, readJsonBodyFacts } from './body-facts.js';
import { cleanIdLabel } from './session-id.js';

const facts = (json: string, partial = false) => readJsonBodyFacts(Buffer.from(json), MODEL_AND_STREAM, { partial });

describe('readJsonBodyFacts', () => {
  it('reads model and stream', () => {
    expect(facts('{"model":"gpt-4o","stream":true,"messages":[]}')).toEqual({ model: 'gpt-4o', stream: true, sessionId: null });
    expect(facts('{"messages":[{"model":"inner"}],"model":"gpt-4o"}')).toEqual({ model: 'gpt-4o', stream: false, sessionId: null });
  });

  it('takes stream only when it is the literal true', () => {
    expect(facts('{"model":"m","stream":"true"}').stream).toBe(false);
    expect(facts('{"model":"m","stream":1}').stream).toBe(false);
    expect(facts('{"model":"m","stream":false}').stream).toBe(false);
  });

  it('agrees with JSON.parse on duplicates and escaped keys', () => {
    expect(facts('{"model":"a","model":"b"}').model).toBe('b');
    expect(facts('{"mod\\u0065l":"escaped","stream":true}')).toEqual({ model: 'escaped', stream: true, sessionId: null });
    expect(facts('{"model":"caf\\u00e9"}').model).toBe('café');
  });

  it('rejects malformed JSON with invalid_json', () => {
    for (const body of ['', '{', '{"model":"m",}', '{"model":"m"} x', '<html>', 'null']) {
      const err = errorOf(() => facts(body));
      expect(err.status).toBe(400);
      expect(err.code).toBe('invalid_json');
    }
  });

  it('rejects a top level that is not an object', () => {
    expect(errorOf(() => facts('["model"]')).code).toBe('invalid_json');
    expect(errorOf(() => facts('"gpt-4o"')).code).toBe('invalid_json');
  });

  it('rejects a non-string model with invalid_model', () => {
    for (const body of ['{"model":1}', '{"model":null}', '{"model":["a"]}', '{"model":{"id":"a"}}']) {
      const err = errorOf(() => facts(body));
      expect([err.status, err.code, err.param]).toEqual([400, 'invalid_model', 'model']);
    }
  });

  it('rejects a missing or empty model with missing_model', () => {
    for (const body of ['{}', '{"messages":[]}', '{"model":""}']) {
      const err = errorOf(() => facts(body));
      expect([err.status, err.code, err.param]).toEqual([400, 'missing_model', 'model']);
    }
  });

  it('reads a truncated body in partial mode', () => {
    expect(facts('{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hel', true)).toEqual({
      model: 'gpt-4o',
      stream: true,
      sessionId: null,
    });
    expect(facts('{"messages":[{"role":"user","content":"hel', true)).toEqual({ stream: false, sessionId: null });
    expect(facts('{"model":"gpt-4', true)).toEqual({ stream: false, sessionId: null });
    expect(errorOf(() => facts('{"model":"m" "x', true)).code).toBe('invalid_json');
    expect(errorOf(() => facts('{"model":5,', true)).code).toBe('invalid_model');
  });

  it('never reports stream for APIs that do not stream', () => {
    expect(readJsonBodyFacts(Buffer.from('{"model":"e","stream":true}'), MODEL_ONLY)).toEqual({ model: 'e', stream: false, sessionId: null });
  });

  it('reads only stream for URL-model APIs', () => {
    expect(readJsonBodyFacts(Buffer.from('{"model":"ignored","stream":true}'), STREAM_ONLY)).toEqual({ stream: true, sessionId: null });
    expect(errorOf(() => readJsonBodyFacts(Buffer.from('{'), STREAM_ONLY)).code).toBe('invalid_json');
  });

  it('agrees with JSON.parse on arbitrary objects', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('model', 'stream', 'messages', 'x', 'user', 'prompt_cache_key'), value), { maxLength: 6 }), (members) => {
        const json = `{${members.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
        const parsed = JSON.parse(json) as Record<string, unknown>;
        let got: ReturnType<typeof facts> | UserFacingError;
        try {
          got = facts(json);
        } catch (err) {
          got = err as UserFacingError;
        }
        const model = parsed['model'];
        if (model !== undefined && typeof model !== 'string') expect((got as UserFacingError).code).toBe('invalid_model');
        else if (!model) expect((got as UserFacingError).code).toBe('missing_model');
        else expect(got).toEqual({ model, stream: parsed['stream'] === true, sessionId: cleanIdLabel(parsed['user']) ?? cleanIdLabel(parsed['prompt_cache_key']) ?? null });
      }),
    );
  });
});
