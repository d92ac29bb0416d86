/**
 * The built-in hooks as the list composes them: gateway keys, budgets, policy and credentials
 * together, run by the processor's hook runner and merged as the processor merges them.
 */
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { SecretFiles } from '../credentials/secret-files.js';
import { UpstreamCredentials } from '../credentials/upstream-credentials.js';
import { mergeHeaderChanges } from '../hooks/header-changes.js';
import type { HookRequest } from '../hooks/hook.js';
import { BudgetTracker, type BudgetExceededError } from '../ledger/budgets.js';
import { HookRun, type MutableHookRequest } from '../processor/hook-run.js';
import { describeHookContract, fakeHookRequest } from '../testing.js';
import { FakeKeyLookup, gatewayKey } from '../../test/support/fake-keys.js';
import { ledgerRecord } from '../../test/support/ledger-records.js';
import { hookList, type HookServices } from './hook-list.js';

const logger = pino({ level: 'silent' });
const files = new SecretFiles({ logger });
afterAll(() => files.close());

const YAML = `
auth: { enabled: true }
policy:
  requestHeaders: { add: { x-gw-model: "\${model}" } }
rules:
  - name: openai
    backends: [{ name: openai, auth: { apiKey: { key: sk-provider } } }]
    policy: { body: { maximums: { max_tokens: 100 } } }
  - name: public
    access: { required: false }
    backends: [{ name: local }]
  - name: pair
    backends: [{ name: a, auth: { apiKey: { key: ka } } }, { name: b, auth: { apiKey: { key: kb } } }]
`;

function hooks(yaml: string, services: Partial<HookServices> = {}) {
  const { config } = parseConfig(yaml, 'test');
  return {
    config,
    list: hookList(config, { logger, credentials: new UpstreamCredentials(config, { files, readEnv: () => undefined, logger }), recorders: [], ...services }, []),
  };
}

async function run(yaml: string, over: Partial<HookRequest> = {}, services: Partial<HookServices> = {}) {
  const { config, list } = hooks(yaml, services);
  const backend = config.rules.find((r) => r.name === (over.rule ?? 'openai'));
  const req: MutableHookRequest = {
    ...fakeHookRequest({ config, headers: { authorization: 'Bearer gk-good' }, model: 'gpt-4o', rule: 'openai', body: Buffer.from('{"model":"gpt-4o","max_tokens":10}') }),
    backend: backend?.backends.length === 1 ? backend.backends[0] : undefined,
    ...over,
  };
  const runner = new HookRun(list, logger);
  const result = await runner.run(req);
  if (result.kind === 'answer') return { answer: result.answer };
  runner.forward();
  return { changes: mergeHeaderChanges(result.headers), caller: req.caller };
}

describe('the built-in hook list', () => {
  it('authenticates, applies policy headers, swaps the credential and counts the request once', async () => {
    const keys = new FakeKeyLookup({ 'gk-good': gatewayKey({ id: 'k1' }) });
    const r = await run(YAML, {}, { keys });
    expect(r.changes).toEqual({ set: [['x-gw-model', 'gpt-4o'], ['authorization', 'Bearer sk-provider']] });
    expect(r.caller).toEqual({ id: 'k1', project: expect.any(String) });
    expect(keys.counted).toEqual(['k1']);
  });

  it('refuses before policy (401 before 400) and does not count refused requests', async () => {
    const keys = new FakeKeyLookup({ 'gk-good': gatewayKey({ id: 'k1' }) });
    const big = Buffer.from('{"model":"gpt-4o","max_tokens":1000}');
    expect((await run(YAML, { headers: {}, body: big }, { keys })).answer).toMatchObject({ status: 401, code: 'missing_api_key' });
    expect((await run(YAML, { body: big }, { keys })).answer).toMatchObject({ status: 400, code: 'value_too_large' });
    expect(keys.counted).toEqual([]);
  });

  it('a rule with access.required false needs no key and keeps the client’s credential when its backend has none', async () => {
    const r = await run(YAML, { rule: 'public', headers: { authorization: 'Bearer own' } }, { keys: new FakeKeyLookup() });
    expect(r.changes).toEqual({ set: [['x-gw-model', 'gpt-4o']] });
  });

  it('several backends: the gateway key is stripped here, the credential is left to the per-attempt call', async () => {
    const keys = new FakeKeyLookup({ 'gk-good': gatewayKey({ id: 'k1' }) });
    const r = await run(YAML, { rule: 'pair' }, { keys });
    expect(r.changes).toEqual({ set: [['x-gw-model', 'gpt-4o']], remove: ['authorization'] });
  });

  it('keys required but no key store: 503', async () => {
    expect((await run(YAML)).answer).toMatchObject({ status: 503, code: 'key_store_unavailable' });
  });

  it('refuses a body it cannot see on a route with body rules, instead of skipping them', async () => {
    const keys = new FakeKeyLookup({ 'gk-good': gatewayKey({ id: 'k1' }) });
    expect((await run(YAML, { kind: 'unrouted', body: undefined }, { keys })).answer).toMatchObject({ status: 413, code: 'body_not_inspected' });
  });

  it('refuses a request over its project budget with 429 and retry-after, only after authentication', async () => {
    const keys = new FakeKeyLookup({ 'gk-good': gatewayKey({ id: 'k1', project: 'p1' }) });
    const budgets = new BudgetTracker();
    const yaml = `${YAML}budgets: [{ project: p1, window: day, maxTokens: 100 }]\n`;
    expect((await run(yaml, {}, { keys, budgets })).answer).toBeUndefined();
    budgets.record(ledgerRecord({ project: 'p1', keyId: 'k1', totalTokens: 100, ts: Date.now() }));
    const refused = (await run(yaml, {}, { keys, budgets })).answer as BudgetExceededError;
    expect(refused).toMatchObject({ status: 429, code: 'budget_exceeded' });
    const retry = Number(refused.replyHeaders['retry-after']);
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(86_400);
    expect((await run(yaml, { headers: {} }, { keys, budgets })).answer).toMatchObject({ status: 401 });
    expect(keys.counted).toEqual(['k1']);
  });

  it('puts credentials after every hook that changes the request', () => {
    const { list } = hooks(YAML, { keys: new FakeKeyLookup(), budgets: new BudgetTracker() });
    expect(list.map((h) => h.name)).toEqual(['keys', 'budgets', 'policy', 'resilience', 'translation', 'prompt-caching', 'credentials']);
  });
});

for (const h of hooks(YAML, { keys: new FakeKeyLookup({ 'gk-good': gatewayKey({ id: 'k1' }) }), budgets: new BudgetTracker() }).list) {
  describeHookContract(`built-in ${h.name}`, () => h);
}
