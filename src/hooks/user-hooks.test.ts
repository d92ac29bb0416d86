import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeterProvider, AggregationTemporality, InMemoryMetricExporter, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { UserFacingError } from '../errors.js';
import { ModuleLoadError } from '../modules/import-module.js';
import { fakeHookRequest } from '../testing/hook-contract.js';
import { loadUserHooks } from './user-hooks.js';

let dir: string;
const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
const meter = new MeterProvider({ readers: [reader] }).getMeter('test');
const logger = pino({ level: 'silent' });

const MODULES: Record<string, string> = {
  'slow.mjs': 'export default () => ({ name: "slow", onRequest: () => new Promise((r) => setTimeout(() => r({ headers: { set: [["x-late", "1"]] } }), 1000)) });',
  'throws.mjs': 'export default () => ({ name: "throws", onRequest() { throw new Error("lookup service down"); } });',
  'malformed.mjs': 'export default () => ({ name: "malformed", onRequest: () => ({ headers: { set: [["x-a", 1]] } }) });',
  'header-split.mjs': 'export default () => ({ name: "split", onRequest: () => ({ headers: { set: [["x-a", "a\\r\\nx-evil: 1"]] } }) });',
  'refuses.mjs': 'class Refused extends Error { status = 403; code = "tenant_blocked"; }\nexport default () => ({ name: "refuses", onRequest() { throw new Error("x"); }, onRequestHeaders: () => ({ answer: new Refused("this tenant is blocked") }) });',
  'ok.mjs': 'export default ({ options }) => ({ name: "ok", onRequest: async () => ({ headers: { set: [["x-ok", String(options.v)]] } }) });',
  'factory-throws.mjs': 'export default () => { throw new Error("options.table is required"); };',
  'no-name.mjs': 'export default () => ({ onRequest() {} });',
  'not-function.mjs': 'export default () => ({ name: "n", onRequest: 3 });',
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'user-hooks-'));
  for (const [name, text] of Object.entries(MODULES)) await writeFile(join(dir, name), text);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(yaml: string) {
  const { config } = parseConfig(yaml, 'test');
  return loadUserHooks(config.hooks, { baseDir: dir, logger, meter, config });
}

async function failures(): Promise<Array<{ attributes: Record<string, unknown>; value: number }>> {
  await reader.forceFlush();
  const metrics = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
  const m = metrics.filter((x) => x.descriptor.name === 'llm_extproc.hook.failures').at(-1);
  return (m?.dataPoints ?? []).map((p) => ({ attributes: p.attributes as Record<string, unknown>, value: p.value as number }));
}

describe('users hooks', () => {
  it('answer 503 when a closed hook runs over its budget, and skip an open one', async () => {
    const [closed] = await load('hooks: [{ module: ./slow.mjs, timeoutMs: 20 }]');
    const err = await Promise.resolve(closed!.onRequest!(fakeHookRequest())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserFacingError);
    expect(err).toMatchObject({ status: 503, code: 'hook_unavailable' });
    const [open] = await load('hooks: [{ module: ./slow.mjs, timeoutMs: 20, failureMode: open }]');
    expect(await open!.onRequest!(fakeHookRequest())).toBeUndefined();
    expect(await failures()).toContainEqual({ attributes: { hook: 'slow', method: 'onRequest', reason: 'timeout' }, value: 2 });
  });

  it('treat a throw and a malformed result as failures, by failure mode', async () => {
    const [t, m, split] = await load('hooks: [{ module: ./throws.mjs, failureMode: open }, { module: ./malformed.mjs }, { module: ./header-split.mjs }]');
    expect(await t!.onRequest!(fakeHookRequest())).toBeUndefined();
    await expect(Promise.resolve(m!.onRequest!(fakeHookRequest()))).rejects.toMatchObject({ status: 503 });
    await expect(Promise.resolve(split!.onRequest!(fakeHookRequest()))).rejects.toMatchObject({ status: 503 });
    const f = await failures();
    expect(f).toContainEqual({ attributes: { hook: 'throws', method: 'onRequest', reason: 'error' }, value: 1 });
    expect(f).toContainEqual({ attributes: { hook: 'malformed', method: 'onRequest', reason: 'malformed' }, value: 1 });
  });

  it('take an error shaped like a UserFacingError, from a class of the module, as the answer', async () => {
    const [h] = await load('hooks: [{ module: ./refuses.mjs }]');
    const r = (await h!.onRequestHeaders!(fakeHookRequest())) as { answer: unknown };
    expect(r.answer).toBeInstanceOf(UserFacingError);
    expect(r.answer).toMatchObject({ status: 403, code: 'tenant_blocked', message: 'this tenant is blocked' });
  });

  it('pass options and keep well-formed answers as they are', async () => {
    const [h] = await load('hooks: [{ module: ./ok.mjs, options: { v: 7 } }]');
    expect(await h!.onRequest!(fakeHookRequest())).toEqual({ headers: { set: [['x-ok', '7']] } });
  });

  it('refuse to load a module that is not a hook, naming it', async () => {
    for (const [file, message] of [
      ['factory-throws.mjs', /factory-throws\.mjs.*factory threw: options\.table is required/],
      ['no-name.mjs', /no-name\.mjs.*non-empty string name/],
      ['not-function.mjs', /not-function\.mjs.*onRequest must be a function/],
      ['missing.mjs', /missing\.mjs.*cannot be/],
    ] as const) {
      const err = await load(`hooks: [{ module: ./${file} }]`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModuleLoadError);
      expect((err as Error).message).toMatch(message);
    }
  });
});
