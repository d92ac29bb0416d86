import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { UserFacingError } from '../errors.js';
import { FakeKeyLookup, gatewayKey } from '../../test/support/fake-keys.js';
import { authenticate, checkKey } from './authenticate.js';
import { keyRequired } from '../config/key-required.js';
import { globMatch } from './glob.js';

const now = 1_000_000;
const target = { model: 'gpt-4o', rule: 'openai', now };

async function refusal(p: Promise<unknown>): Promise<UserFacingError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserFacingError);
  return err as UserFacingError;
}

describe('authenticate', () => {
  const keys = new FakeKeyLookup({
    'sk-good-7f3a': gatewayKey({ id: 'k1' }),
    'sk-revoked-7f3a': gatewayKey({ id: 'k2', revoked: true }),
    'sk-expired-7f3a': gatewayKey({ id: 'k3', expiresAt: now }),
    'sk-used-7f3a': gatewayKey({ id: 'k4', maxRequests: 2, requestCount: 2 }),
    'sk-inactive-7f3a': gatewayKey({ id: 'k5', projectActive: false }),
    'sk-gptOnly-7f3a': gatewayKey({ id: 'k6', allowedModels: ['gpt-4o*'] }),
    'sk-claudeOnly-7f3a': gatewayKey({ id: 'k7', allowedModels: ['claude-*'] }),
    'sk-anthropicRule-7f3a': gatewayKey({ id: 'k8', allowedRules: ['anthropic'] }),
  });

  it('returns the key for a usable one and leaves counting to the caller', async () => {
    await expect(authenticate(keys, 'sk-good-7f3a', target)).resolves.toMatchObject({ id: 'k1' });
    await expect(authenticate(keys, 'sk-gptOnly-7f3a', target)).resolves.toMatchObject({ id: 'k6' });
    expect(keys.counted).toEqual([]);
  });

  it.each([
    [undefined, 401, 'missing_api_key'],
    ['', 401, 'missing_api_key'],
    ['sk-nope-7f3a', 401, 'invalid_api_key'],
    ['sk-revoked-7f3a', 403, 'key_revoked'],
    ['sk-expired-7f3a', 403, 'key_expired'],
    ['sk-used-7f3a', 403, 'key_request_limit'],
    ['sk-inactive-7f3a', 403, 'project_inactive'],
    ['sk-claudeOnly-7f3a', 403, 'model_not_allowed'],
    ['sk-anthropicRule-7f3a', 403, 'rule_not_allowed'],
  ])('refuses %s with %i %s', async (secret, status, code) => {
    const err = await refusal(authenticate(keys, secret, target));
    expect([err.status, err.code]).toEqual([status, code]);
    if (secret) expect(err.message).not.toContain(secret);
  });

  it('refuses a restricted key when the model or rule is not known, but not for the models list', async () => {
    expect((await refusal(authenticate(keys, 'sk-gptOnly-7f3a', { model: undefined, rule: 'openai', now }))).code).toBe('model_not_allowed');
    expect((await refusal(authenticate(keys, 'sk-anthropicRule-7f3a', { model: 'x', rule: undefined, now }))).code).toBe('rule_not_allowed');
    await expect(authenticate(keys, 'sk-gptOnly-7f3a', { model: undefined, rule: undefined, now, listing: true })).resolves.toMatchObject({ id: 'k6' });
  });

  it('answers 503 when the key store fails', async () => {
    const failing = new FakeKeyLookup();
    failing.failing = true;
    const err = await refusal(authenticate(failing, 'x', target));
    expect([err.status, err.code]).toEqual([503, 'key_store_unavailable']);
  });

  it('a key expiring later is fine', () => {
    expect(() => checkKey(gatewayKey({ id: 'x', expiresAt: now + 1 }), target)).not.toThrow();
  });
});

describe('keyRequired', () => {
  const config = (yaml: string) => parseConfig(yaml, 'test').config;
  it('follows auth.enabled unless the rule says otherwise', () => {
    const on = config(`
auth: { enabled: true }
rules:
  - { name: open, access: { required: false } }
  - { name: closed }
`);
    expect(keyRequired(on, 'open')).toBe(false);
    expect(keyRequired(on, 'closed')).toBe(true);
    expect(keyRequired(on, undefined)).toBe(true);
    const off = config(`
rules:
  - { name: locked, access: { required: true } }
  - { name: free }
`);
    expect(keyRequired(off, 'locked')).toBe(true);
    expect(keyRequired(off, 'free')).toBe(false);
    expect(keyRequired(off, undefined)).toBe(false);
  });
});

describe('globMatch', () => {
  it.each([
    ['gpt-4o*', 'gpt-4o-mini', true],
    ['gpt-4o*', 'gpt-4', false],
    ['gpt-?', 'gpt-5', true],
    ['gpt-?', 'gpt-55', false],
    ['a.b', 'axb', false],
    ['*', 'anything/at all', true],
    ['/v1/*', '/v1/chat/completions', true],
    ['(x)+', '(x)+', true],
  ])('%s vs %s → %s', (p, v, want) => {
    expect(globMatch(p, v)).toBe(want);
  });
});
