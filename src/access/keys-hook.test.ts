import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { FakeKeyLookup, gatewayKey } from '../../test/support/fake-keys.js';
import { fakeHookRequest } from '../testing.js';
import { keysHook } from './keys-hook.js';

const logger = pino({ level: 'silent' });
const { config } = parseConfig(
  `
auth: { enabled: true }
rules:
  - name: openai
    backends: [{ name: openai }]
  - name: public
    access: { required: false }
    backends: [{ name: local }]
`,
  'test',
);

describe('the keys hook', () => {
  const keys = () => new FakeKeyLookup({ 'gk-1': gatewayKey({ id: 'k1', project: 'team-a', allowedModels: ['gpt-*'], rateLimits: { requestsPerMinute: 5 } }) });

  it('authenticates the presented key for the model and rule and makes it the caller', async () => {
    const r = await keysHook(config, keys(), logger).onRequest!(fakeHookRequest({ headers: { authorization: 'Bearer gk-1' }, model: 'gpt-4o' }));
    expect(r).toEqual({ caller: { id: 'k1', project: 'team-a', rateLimits: { key: { requestsPerMinute: 5 } } } });
  });

  it('refuses a missing key, a model the key may not use, and answers 503 without a store', async () => {
    const hook = keysHook(config, keys(), logger);
    await expect(Promise.resolve(hook.onRequest!(fakeHookRequest({ headers: {} })))).rejects.toMatchObject({ status: 401, code: 'missing_api_key' });
    await expect(Promise.resolve(hook.onRequest!(fakeHookRequest({ headers: { authorization: 'Bearer gk-1' }, model: 'claude-x' })))).rejects.toMatchObject({ status: 403, code: 'model_not_allowed' });
    await expect(Promise.resolve(keysHook(config, undefined, logger).onRequest!(fakeHookRequest()))).rejects.toMatchObject({ status: 503, code: 'key_store_unavailable' });
  });

  it('lets a rule that needs no key through without looking, and lists models with the key alone', async () => {
    const lookup = keys();
    const hook = keysHook(config, lookup, logger);
    expect(await hook.onRequest!(fakeHookRequest({ rule: 'public', headers: {} }))).toBeUndefined();
    expect(lookup.lookups).toEqual([]);
    expect(await hook.onRequest!(fakeHookRequest({ kind: 'listing', rule: undefined, model: undefined, headers: { authorization: 'Bearer gk-1' } }))).toMatchObject({ caller: { id: 'k1' } });
  });

  it('counts the request only when it goes upstream', () => {
    const lookup = keys();
    const hook = keysHook(config, lookup, logger);
    hook.onForward!(fakeHookRequest({ caller: { id: 'k1', project: 'team-a' } }), undefined);
    hook.onForward!(fakeHookRequest(), undefined);
    expect(lookup.counted).toEqual(['k1']);
  });
});
