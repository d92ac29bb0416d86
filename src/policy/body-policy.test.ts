import { describe, expect, it } from 'vitest';
import { policySchema } from '../config/access-schema.js';
import { checkBody } from './body-policy.js';

const policy = policySchema.parse({
  body: {
    allowedValues: { service_tier: ['default', 'flex'], n: [1] },
    maximums: { max_tokens: 4096, max_completion_tokens: 1000 },
    forbiddenFields: ['logit_bias'],
  },
});
const body = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('checkBody', () => {
  it('passes a body within the rules (absent fields are fine)', () => {
    expect(checkBody([policy], body({ model: 'm', max_tokens: 4096, service_tier: 'flex', n: 1 }))).toBeUndefined();
    expect(checkBody([policy], body({ model: 'm' }))).toBeUndefined();
  });

  it.each([
    [{ max_tokens: 4097 }, 400, 'value_too_large', 'max_tokens'],
    [{ max_tokens: '10' }, 400, 'invalid_value', 'max_tokens'],
    [{ service_tier: 'priority' }, 400, 'value_not_allowed', 'service_tier'],
    [{ n: 2 }, 400, 'value_not_allowed', 'n'],
    [{ logit_bias: {} }, 403, 'field_forbidden', 'logit_bias'],
    [{ logit_bias: null }, 403, 'field_forbidden', 'logit_bias'],
  ])('%j → %i %s', (b, status, code, param) => {
    const err = checkBody([policy], body(b));
    expect([err?.status, err?.code, err?.param]).toEqual([status, code, param]);
  });

  it('reads the last duplicate key, as JSON.parse (and the provider) would', () => {
    expect(checkBody([policy], Buffer.from('{"max_tokens":1,"max_tokens":99999}'))?.code).toBe('value_too_large');
    expect(checkBody([policy], Buffer.from('{"max_tokens":99999,"max_tokens":1}'))).toBeUndefined();
    expect(checkBody([policy], Buffer.from('{"logit\\u005fbias":1}'))?.code).toBe('field_forbidden');
  });

  it('ignores bodies that are not JSON objects and policies without body rules', () => {
    expect(checkBody([policy], Buffer.from('--boundary\r\n'))).toBeUndefined();
    expect(checkBody([policy], undefined)).toBeUndefined();
    expect(checkBody([undefined, policySchema.parse({})], body({ logit_bias: 1 }))).toBeUndefined();
  });
});
