import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModuleLoadError } from '../modules/import-module.js';
import { fakeMetricsContext, fakeRequestStart, fakeRouteRequest, loadMetricsModule, loadRouterModule } from './fakes.js';
import { createInMemoryMetrics } from './in-memory-metrics.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'testing-fakes-'));
  await writeFile(join(dir, 'router.mjs'), `export default (d, ctx) => ({ calculate: (h, r) => (r?.model === 'special' ? ctx.options.rule : d.calculate(h, r)) });\n`);
  await writeFile(join(dir, 'metrics.mjs'), `export default (meter, ctx) => { const c = meter.createCounter('t.requests'); return { newRequest() { const inner = ctx.defaultFactory.newRequest(); return { ...inner, startRequest(h, s) { c.add(1); inner.startRequest(h, s); }, setModel: (m) => inner.setModel(m), setBackend: (r, b) => inner.setBackend(r, b), recordTokenUsage: (u, a) => inner.recordTokenUsage(u, a), recordRequestCompletion: (s, a) => inner.recordRequestCompletion(s, a), recordTokenLatency: (n, a) => inner.recordTokenLatency(n, a) }; } }; };\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fake request facts', () => {
  it('fakeRequestStart is an OpenAI chat request unless overridden', () => {
    expect(fakeRequestStart()).toEqual({ api: 'openai.chat_completions', operation: 'chat', provider: 'openai' });
    expect(fakeRequestStart({ provider: 'anthropic' }).provider).toBe('anthropic');
  });

  it('fakeRouteRequest carries the model in its facts and its body', () => {
    const r = fakeRouteRequest({ model: 'claude-x', stream: true });
    expect(r).toMatchObject({ api: 'openai.chat_completions', model: 'claude-x', stream: true, method: 'POST', path: '/v1/chat/completions' });
    expect(r.body()).toEqual({ model: 'claude-x', messages: [{ role: 'user', content: 'hi' }] });
    expect(fakeRouteRequest({ model: undefined }).model).toBeUndefined();
    expect(fakeRouteRequest({ body: 'raw' }).body()).toBe('raw');
  });
});

describe('module loaders for tests', () => {
  it('loadRouterModule loads over the default rules and passes options', async () => {
    const router = await loadRouterModule('./router.mjs', { baseDir: dir, options: { rule: 'x' } });
    expect(await router.calculate({ 'x-ai-eg-model': 'gpt-4o' }, fakeRouteRequest())).toBe('openai');
    expect(await router.calculate({ 'x-ai-eg-model': 'special' }, fakeRouteRequest({ model: 'special' }))).toBe('x');
    await expect(loadRouterModule('./missing.mjs', { baseDir: dir })).rejects.toBeInstanceOf(ModuleLoadError);
  });

  it('loadMetricsModule records the module and the built-in metrics on the given meter', async () => {
    const metrics = createInMemoryMetrics();
    const factory = await loadMetricsModule('./metrics.mjs', { baseDir: dir, meter: metrics.meter });
    const m = factory.newRequest();
    m.startRequest({}, fakeRequestStart());
    m.recordTokenUsage({ input: 3, output: 4 });
    m.recordRequestCompletion(true);
    expect((await metrics.points('t.requests')).map((p) => p.value)).toEqual([1]);
    expect(await metrics.points('gen_ai.client.token.usage')).toHaveLength(2);
    expect(await metrics.points('no.such.metric')).toEqual([]);
    await metrics.shutdown();
  });

  it('fakeMetricsContext gives the built-in metrics on the meter and the default config', async () => {
    const metrics = createInMemoryMetrics();
    const ctx = fakeMetricsContext({ a: 1 }, metrics.meter, { modelNameHeaderKey: 'x-m' });
    expect(ctx.options).toEqual({ a: 1 });
    expect(ctx.config.modelNameHeaderKey).toBe('x-m');
    expect(ctx.config.rules.length).toBeGreaterThan(0);
    const m = ctx.defaultFactory.newRequest();
    m.startRequest({}, fakeRequestStart());
    m.recordRequestCompletion(true);
    expect(await metrics.points('gen_ai.server.request.duration')).toHaveLength(1);
  });
});

describe('createInMemoryMetrics', () => {
  it('reads cumulative totals on every collect', async () => {
    const metrics = createInMemoryMetrics();
    const c = metrics.meter.createCounter('c');
    c.add(2, { k: 'a' });
    expect((await metrics.points('c')).map((p) => p.value)).toEqual([2]);
    c.add(3, { k: 'a' });
    expect((await metrics.points('c')).map((p) => p.value)).toEqual([5]);
    expect((await metrics.collect()).map((m) => m.descriptor.name)).toEqual(['c']);
  });
});
