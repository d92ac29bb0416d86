import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createNoopMeter } from '@opentelemetry/api';
import { parseConfig } from '../../src/config/load.js';
import { ModuleLoadError } from '../../src/modules/import-module.js';
import { HeaderMatchRouter } from '../../src/routing/header-match-router.js';
import { loadRouter } from '../../src/routing/load-router.js';
import { RouteDecider } from '../../src/routing/route-decider.js';
import { NoMatchingRuleError, type RouteRequest, type Router } from '../../src/routing/router.js';
import { describeRouterContract, fakeDefaultRouter, fakeRouterContext, type RouterCase } from '../../src/testing.js';
import createPremiumRouter, { createPremiumLookupRouter, type TenantLookup } from './premium-router.js';

const CONFIG_FILE = fileURLToPath(new URL('../config/premium.yaml', import.meta.url));
const { config } = parseConfig(readFileSync(CONFIG_FILE, 'utf8'), CONFIG_FILE);
const options = config.router.options;
const defaultRouter = () => new HeaderMatchRouter(config.rules, config.modelNameHeaderKey);
const premiumRouter = () => createPremiumRouter(defaultRouter(), fakeRouterContext(options, config)) as Router;

const CASES: RouterCase[] = [
  { headers: { 'x-ai-eg-model': 'gpt-4o', 'x-tenant': 'premium' }, expect: 'premium-openai' },
  { headers: { 'x-ai-eg-model': 'gpt-4o-mini', 'x-tenant': 'acme' }, expect: 'premium-openai' },
  { headers: { 'x-ai-eg-model': 'gpt-4.1', 'x-tenant': 'premium' }, expect: 'openai' }, // model not in options.models
  { headers: { 'x-ai-eg-model': 'gpt-4o', 'x-tenant': 'free' }, expect: 'openai' },
  { headers: { 'x-ai-eg-model': 'gpt-4o' }, expect: 'openai' },
  { headers: { 'x-ai-eg-model': 'claude-sonnet-4-5', 'x-tenant': 'premium' }, expect: 'anthropic' },
  { headers: { 'x-ai-eg-model': 'llama-3', 'x-tenant': 'premium' }, expect: null },
];

describeRouterContract('examples/routers/premium-router (default export)', premiumRouter, { cases: CASES });

const premiumLookup: TenantLookup = async (tenant) => tenant === 'premium' || tenant === 'acme';
describeRouterContract(
  'examples/routers/premium-router (createPremiumLookupRouter)',
  () => createPremiumLookupRouter(premiumLookup)(defaultRouter(), fakeRouterContext(options, config)),
  { cases: CASES },
);

const request = (model: string): RouteRequest => ({ api: 'openai.chat_completions', model, stream: false, method: 'POST', path: '/v1/chat/completions', body: () => ({ model }) });

describe('premium router', () => {
  it('is loaded by the service from examples/config/premium.yaml', async () => {
    const loaded = await loadRouter(config, { baseDir: dirname(CONFIG_FILE), logger: pino({ level: 'silent' }), meter: createNoopMeter() });
    expect(loaded.module).toBe('../routers/premium-router.js');
    expect(await loaded.router.calculate({ 'x-ai-eg-model': 'gpt-4o', 'x-tenant': 'acme' })).toBe('premium-openai');
    expect(await loaded.router.calculate({ 'x-ai-eg-model': 'gpt-4o', 'x-tenant': 'nobody' })).toBe('openai');
  });

  it('hands anything else to the default router, with the same headers and request', () => {
    const seen: unknown[] = [];
    const router = createPremiumRouter({ calculate: (...args) => ((seen.push(args), 'from-default')) }, fakeRouterContext(options)) as Router;
    const headers = { 'x-ai-eg-model': 'gpt-4o', 'x-tenant': 'free' };
    const req = request('gpt-4o');
    expect(router.calculate(headers, req)).toBe('from-default');
    expect(seen).toEqual([[headers, req]]);
  });

  it('lets NoMatchingRuleError from the default router through', () => {
    const router = createPremiumRouter(fakeDefaultRouter(), fakeRouterContext(options)) as Router;
    expect(() => router.calculate({ 'x-ai-eg-model': 'gpt-4o' })).toThrow(NoMatchingRuleError);
  });

  it('reads the tenant header case-insensitively from its option, and the model header from the config', () => {
    const router = createPremiumRouter(
      fakeDefaultRouter('default'),
      fakeRouterContext({ ...options, tenantHeader: 'X-Org' }, { modelNameHeaderKey: 'x-model' }),
    ) as Router;
    expect(router.calculate({ 'x-model': 'gpt-4o', 'x-org': 'acme' })).toBe('premium-openai');
    expect(router.calculate({ 'x-ai-eg-model': 'gpt-4o', 'x-org': 'acme' })).toBe('default');
  });

  it('falls back to the parsed request for the model when the header is absent', () => {
    const router = createPremiumRouter(fakeDefaultRouter('default'), fakeRouterContext(options)) as Router;
    expect(router.calculate({ 'x-tenant': 'acme' }, request('gpt-4o-mini'))).toBe('premium-openai');
  });

  it.each([
    [{ ...options, rule: '' }, 'option "rule" must name a route rule'],
    [{ ...options, premiumTenants: 'premium' }, 'option "premiumTenants" must be a list of non-empty strings'],
    [{ ...options, models: [1] }, 'option "models" must be a list of non-empty strings'],
    [{ ...options, tenantHeader: 7 }, 'option "tenantHeader" must be a header name'],
  ])('rejects bad options at load: %j', async (bad, message) => {
    expect(() => createPremiumRouter(fakeDefaultRouter(), fakeRouterContext(bad))).toThrow(message);
    const withBad = parseConfig(readFileSync(CONFIG_FILE, 'utf8').replace('rule: premium-openai', 'rule: ""'), CONFIG_FILE).config;
    const err = await loadRouter(withBad, { baseDir: dirname(CONFIG_FILE), logger: pino({ level: 'silent' }), meter: createNoopMeter() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModuleLoadError);
    expect((err as Error).message).toBe('module "../routers/premium-router.js": factory threw: option "rule" must name a route rule');
  });
});

describe('premium lookup router', () => {
  /** A lookup that counts its calls and answers when told to. */
  function controlledLookup() {
    const calls: string[] = [];
    const signals: AbortSignal[] = [];
    const pending: Array<(premium: boolean) => void> = [];
    const lookup: TenantLookup = (tenant, signal) => {
      calls.push(tenant);
      signals.push(signal);
      return new Promise<boolean>((resolve) => pending.push(resolve));
    };
    return { lookup, calls, signals, pending };
  }
  const make = (lookup: TenantLookup, extra: Record<string, unknown> = {}) =>
    createPremiumLookupRouter(lookup)(defaultRouter(), fakeRouterContext({ ...options, ...extra }, config)) as Router;
  const premiumGpt = { 'x-ai-eg-model': 'gpt-4o', 'x-tenant': 'acme' };

  it('asks once per tenant, even for concurrent requests, then answers from its cache synchronously', async () => {
    const c = controlledLookup();
    const router = make(c.lookup);
    const answers = Array.from({ length: 50 }, () => router.calculate(premiumGpt));
    expect(c.calls).toEqual(['acme']);
    c.pending[0]!(true);
    expect(await Promise.all(answers)).toEqual(Array(50).fill('premium-openai'));
    expect(router.calculate(premiumGpt)).toBe('premium-openai'); // a string, not a promise
    expect(c.calls).toEqual(['acme']);
  });

  it('does not ask for requests that cannot be premium', () => {
    const c = controlledLookup();
    const router = make(c.lookup);
    expect(router.calculate({ 'x-ai-eg-model': 'gpt-4o' })).toBe('openai');
    expect(router.calculate({ 'x-ai-eg-model': 'gpt-4.1', 'x-tenant': 'acme' })).toBe('openai');
    expect(() => router.calculate({ 'x-ai-eg-model': 'llama-3', 'x-tenant': 'acme' })).toThrow(NoMatchingRuleError);
    expect(c.calls).toEqual([]);
  });

  it('routes a slow lookup as not premium at its own deadline, aborting it, and caches the late answer', async () => {
    const c = controlledLookup();
    const router = make(c.lookup, { lookupTimeoutMs: 15 });
    expect(await router.calculate(premiumGpt)).toBe('openai');
    expect(c.signals[0]!.aborted).toBe(true);
    c.pending[0]!(true); // the answer arrives after all
    await Promise.resolve();
    await Promise.resolve();
    expect(router.calculate(premiumGpt)).toBe('premium-openai');
  });

  it('stays within the service budget: the decider routes instead of failing', async () => {
    const never: TenantLookup = () => new Promise<boolean>(() => undefined);
    const router = make(never, { lookupTimeoutMs: 15 });
    const decider = new RouteDecider({ router, defaultRouter: defaultRouter(), timeoutMs: config.router.timeoutMs, failureMode: 'closed', logger: pino({ level: 'silent' }) });
    expect(await decider.decide(premiumGpt, request('gpt-4o'))).toEqual({ kind: 'rule', name: 'openai' });
  });

  it('routes as not premium when the lookup fails, sync or async, and asks again next time', async () => {
    let calls = 0;
    const failing: TenantLookup = (tenant) => {
      calls += 1;
      if (calls === 1) throw new Error(`cannot look up ${tenant}`);
      return Promise.reject(new Error('service down'));
    };
    const router = make(failing);
    expect(await router.calculate(premiumGpt)).toBe('openai');
    expect(await router.calculate(premiumGpt)).toBe('openai');
    expect(calls).toBe(2);
  });

  it('asks again once an answer is older than cacheTtlMs', async () => {
    const c = controlledLookup();
    const router = make(c.lookup, { cacheTtlMs: 0 });
    const first = router.calculate(premiumGpt);
    c.pending[0]!(true);
    expect(await first).toBe('premium-openai');
    const second = router.calculate(premiumGpt);
    expect(c.calls).toEqual(['acme', 'acme']);
    c.pending[1]!(false);
    expect(await second).toBe('openai');
  });

  it('keeps at most maxCachedTenants answers', async () => {
    const c = controlledLookup();
    const router = make(c.lookup, { maxCachedTenants: 1 });
    for (const tenant of ['a', 'b']) {
      const answer = router.calculate({ 'x-ai-eg-model': 'gpt-4o', 'x-tenant': tenant });
      c.pending.at(-1)!(true);
      await answer;
    }
    expect(router.calculate({ 'x-ai-eg-model': 'gpt-4o', 'x-tenant': 'b' })).toBe('premium-openai'); // cached
    const again = router.calculate({ 'x-ai-eg-model': 'gpt-4o', 'x-tenant': 'a' }); // evicted: asked again
    expect(c.calls).toEqual(['a', 'b', 'a']);
    c.pending.at(-1)!(true);
    expect(await again).toBe('premium-openai');
  });

  it('refuses a lookup deadline that does not fit in router.timeoutMs', () => {
    expect(() => make(premiumLookup, { lookupTimeoutMs: 100 })).toThrow('option "lookupTimeoutMs" (100) must be below router.timeoutMs (100)');
  });
});

describe('docs/extending.md', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../docs/extending.md', import.meta.url)), 'utf8');
  const source = readFileSync(fileURLToPath(new URL('./premium-router.js', import.meta.url)), 'utf8');

  it('quotes the tested example verbatim (every block marked as taken from it)', () => {
    const blocks = [...doc.matchAll(/<!-- from examples\/routers\/premium-router\.js -->\s*```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const block of blocks) expect(source).toContain(block);
  });

  it('quotes the example config verbatim', () => {
    const config = readFileSync(CONFIG_FILE, 'utf8');
    const blocks = [...doc.matchAll(/<!-- from examples\/config\/premium\.yaml -->\s*```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(1);
    for (const block of blocks) expect(config).toContain(block);
  });
});
