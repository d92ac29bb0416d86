import { describe, expect, it } from 'vitest';
import { policySchema } from '../config/access-schema.js';
import { checkRequestLine } from './request-policy.js';

const policy = policySchema.parse({ allowedPaths: ['/v1/chat/*', '/v1/models'], allowedMethods: ['post', 'GET'], requiredHeaders: ['X-Team'] });

describe('checkRequestLine', () => {
  it('passes an allowed request (query ignored, method and header names case-insensitive)', () => {
    expect(checkRequestLine([policy], 'POST', '/v1/chat/completions?x=1', { 'x-team': 'a' })).toBeUndefined();
  });

  it.each([
    ['POST', '/v1/embeddings', { 'x-team': 'a' }, 404, 'path_not_allowed'],
    ['DELETE', '/v1/models', { 'x-team': 'a' }, 405, 'method_not_allowed'],
    ['POST', '/v1/chat/completions', {}, 400, 'missing_required_header'],
    ['POST', '/v1/chat/completions', { 'x-team': '  ' }, 400, 'missing_required_header'],
  ])('%s %s → %i %s', (method, path, headers, status, code) => {
    const err = checkRequestLine([policy], method, path, headers);
    expect([err?.status, err?.code]).toEqual([status, code]);
  });

  it('applies every policy; absent ones are skipped', () => {
    const rule = policySchema.parse({ allowedMethods: ['GET'] });
    expect(checkRequestLine([undefined, policy, rule], 'POST', '/v1/chat/completions', { 'x-team': 'a' })?.status).toBe(405);
    expect(checkRequestLine([undefined, undefined], 'PUT', '/x', {})).toBeUndefined();
  });
});
