import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { SecretFiles } from '../credentials/secret-files.js';
import { UpstreamCredentials } from '../credentials/upstream-credentials.js';
import { FakeKeyLookup, gatewayKey } from '../../test/support/fake-keys.js';
import { runAccessStep, type AccessInput } from './access-step.js';
import type { Generation } from './generation.js';
import { BudgetTracker, type BudgetExceededError } from '../ledger/budgets.js';
import { ledgerRecord } from '../../test/support/ledger-records.js';

const logger = pino({ level: 'silent' });
const files = new SecretFiles({ logger });
afterAll(() => files.close());

function generation(yaml: string, keys?: FakeKeyLookup): Generation {
  const config = parseConfig(yaml, 'test').config;
  return {
    config,
    credentials: new UpstreamCredentials(config, { files, readEnv: () => undefined, logger }),
    ...(keys ? { keys } : {}),
  } as unknown as Generation;
}

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

const input = (over: Partial<AccessInput> = {}): AccessInput => ({
  provider: 'openai',
  method: 'POST',
  path: '/v1/chat/completions',
  headers: { authorization: 'Bearer gk-good' },
  model: 'gpt-4o',
  rule: 'openai',
  body: Buffer.from('{"model":"gpt-4o","max_tokens":10}'),
  ...over,
});

describe('runAccessStep', () => {
  it('authenticates, applies policy headers, swaps the credential and counts the request once', async () => {
    const keys = new FakeKeyLookup({ 'gk-good': gatewayKey({ id: 'k1' }) });
    const r = await runAccessStep(generation(YAML, keys), input(), logger);
    expect(r).toEqual({ ok: true, set: [['x-gw-model', 'gpt-4o'], ['authorization', 'Bearer sk-provider']], remove: [], key: expect.objectContaining({ id: 'k1' }) });
    expect(keys.counted).toEqual(['k1']);
  });

  it('refuses before policy (401 before 400) and does not count refused requests', async () => {
    const keys = new FakeKeyLookup({ 'gk-good': gatewayKey({ id: 'k1' }) });
    const gen = generation(YAML, keys);
    const big = Buffer.from('{"model":"gpt-4o","max_tokens":1000}');
    const noKey = await runAccessStep(gen, input({ headers: {}, body: big }), logger);
    expect(noKey).toMatchObject({ ok: false, error: { status: 401, code: 'missing_api_key' } });
    const tooBig = await runAccessStep(gen, input({ body: big }), logger);
    expect(tooBig).toMatchObject({ ok: false, error: { status: 400, code: 'value_too_large' } });
    expect(keys.counted).toEqual([]);
  });

  it('a rule with access.required false needs no key and keeps the client’s credential when its backend has none', async () => {
    const r = await runAccessStep(generation(YAML, new FakeKeyLookup()), input({ rule: 'public', headers: { authorization: 'Bearer own' } }), logger);
    expect(r).toEqual({ ok: true, set: [['x-gw-model', 'gpt-4o']], remove: [] });
  });

  it('several backends: the gateway key is stripped here, the credential is left to the upstream-level call', async () => {
    const keys = new FakeKeyLookup({ 'gk-good': gatewayKey({ id: 'k1' }) });
    const r = await runAccessStep(generation(YAML, keys), input({ rule: 'pair' }), logger);
    expect(r).toEqual({ ok: true, set: [['x-gw-model', 'gpt-4o']], remove: ['authorization'], key: expect.objectContaining({ id: 'k1' }) });
  });

  it('keys required but no key store: 503', async () => {
    const r = await runAccessStep(generation(YAML), input(), logger);
    expect(r).toMatchObject({ ok: false, error: { status: 503, code: 'key_store_unavailable' } });
  });
});

describe('runAccessStep budgets', () => {
  it('refuses a request over its project budget with 429 and retry-after, only after authentication', async () => {
    const keys = new FakeKeyLookup({ 'gk-good': gatewayKey({ id: 'k1', project: 'p1' }) });
    const tracker = new BudgetTracker();
    const gen = { ...generation(`${YAML}budgets: [{ project: p1, window: day, maxTokens: 100 }]\n`, keys), budgets: tracker } as Generation;
    expect(await runAccessStep(gen, input(), logger)).toMatchObject({ ok: true });
    tracker.record(ledgerRecord({ project: 'p1', keyId: 'k1', totalTokens: 100, ts: Date.now() }));
    const r = await runAccessStep(gen, input(), logger);
    expect(r).toMatchObject({ ok: false, error: { status: 429, code: 'budget_exceeded' } });
    const retry = Number(((r as { error: unknown }).error as BudgetExceededError).replyHeaders['retry-after']);
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(86_400);
    expect(await runAccessStep(gen, input({ headers: {} }), logger)).toMatchObject({ ok: false, error: { status: 401 } });
    expect(keys.counted).toEqual(['k1']);
  });
});
