import { describe, expect, it } from 'vitest';
import { readJsonBodyFacts, MODEL_AND_STREAM, MODEL_ONLY } from './body-facts.js';
import { cleanIdLabel, MAX_ID_LABEL, sessionIdFromBody } from './session-id.js';

describe('sessionIdFromBody', () => {
  it('reads Anthropic metadata.user_id, then OpenAI user, then prompt_cache_key', () => {
    expect(sessionIdFromBody(Buffer.from('{"model":"claude","metadata":{"user_id":"sess-1"},"user":"u"}'))).toBe('sess-1');
    expect(sessionIdFromBody(Buffer.from('{"model":"gpt","user":"u-2","prompt_cache_key":"pk"}'))).toBe('u-2');
    expect(sessionIdFromBody(Buffer.from('{"model":"gpt","prompt_cache_key":"pk"}'))).toBe('pk');
  });

  it('ignores what is not a non-empty string, and bodies that are not JSON', () => {
    expect(sessionIdFromBody(Buffer.from('{"metadata":{"user_id":5},"user":"  "}'))).toBeUndefined();
    expect(sessionIdFromBody(Buffer.from('{"metadata":"x"}'))).toBeUndefined();
    expect(sessionIdFromBody(Buffer.from('{"user":'))).toBeUndefined();
    expect(sessionIdFromBody(Buffer.alloc(0))).toBeUndefined();
    expect(sessionIdFromBody(undefined)).toBeUndefined();
  });
});

describe('session id in the body facts', () => {
  it('is read by the same scan as the model, whatever the API reads', () => {
    const body = Buffer.from('{"model":"claude","messages":[],"metadata":{"user_id":"sess-9"}}');
    expect(readJsonBodyFacts(body, MODEL_AND_STREAM)).toEqual({ model: 'claude', stream: false, sessionId: 'sess-9' });
    expect(readJsonBodyFacts(Buffer.from('{"model":"e","input":"x","user":"u-1"}'), MODEL_ONLY).sessionId).toBe('u-1');
  });

  it('is null when the body carries none, and the last duplicate key wins as in JSON.parse', () => {
    expect(readJsonBodyFacts(Buffer.from('{"model":"m"}'), MODEL_AND_STREAM).sessionId).toBeNull();
    expect(readJsonBodyFacts(Buffer.from('{"model":"m","user":"a","user":"b"}'), MODEL_AND_STREAM).sessionId).toBe('b');
  });

  it('is read from the prefix of a partial body', () => {
    const facts = readJsonBodyFacts(Buffer.from('{"user":"early","model":"m","messages":[{"role":"us'), MODEL_AND_STREAM, { partial: true });
    expect(facts).toMatchObject({ model: 'm', sessionId: 'early' });
  });
});

describe('cleanIdLabel', () => {
  it('trims, cuts long ids, and refuses what is not a non-empty string', () => {
    expect(cleanIdLabel('  s  ')).toBe('s');
    expect(cleanIdLabel('x'.repeat(MAX_ID_LABEL + 10))).toHaveLength(MAX_ID_LABEL);
    expect(cleanIdLabel('   ')).toBeUndefined();
    expect(cleanIdLabel(7)).toBeUndefined();
  });
});
