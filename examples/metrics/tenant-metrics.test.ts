/**
 * Tests of the tenant metrics example, written as a user's would be: only the package's public
 * entry points (`llm-extproc` = src/index.ts, `llm-extproc/testing` = src/testing.ts) are imported.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ModuleOptionsError, type RequestMetricsFactory } from '../../src/index.js';
import { createInMemoryMetrics, fakeMetricsContext, fakeRequestStart, loadMetricsModule, type InMemoryMetrics } from '../../src/testing.js';
import createTenantMetrics, { optionsSchema } from './tenant-metrics.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Loads the module the way the service does, recording on an in-memory meter. */
async function load(options: Record<string, unknown>): Promise<{ metrics: InMemoryMetrics; factory: RequestMetricsFactory }> {
  const metrics = createInMemoryMetrics();
  const factory = await loadMetricsModule('./tenant-metrics.ts', { baseDir: here, options, meter: metrics.meter });
  return { metrics, factory };
}

function run(factory: RequestMetricsFactory, headers: Record<string, string>, input: number, output: number): void {
  const m = factory.newRequest();
  m.startRequest(headers, fakeRequestStart());
  m.setModel('gpt-4o-mini');
  m.setBackend('openai', 'openai');
  m.recordTokenUsage({ input, output });
  m.recordRequestCompletion(true);
}

async function byAttribute(metrics: InMemoryMetrics, name: string, key: (a: Record<string, unknown>) => string): Promise<Record<string, unknown>> {
  return Object.fromEntries((await metrics.points(name)).map((p) => [key(p.attributes), p.value]));
}

describe('examples/metrics/tenant-metrics', () => {
  it('is loaded at runtime by the module loader and counts requests and tokens per tenant', async () => {
    const { metrics, factory } = await load({ header: 'X-Tenant' });
    run(factory, { 'x-tenant': 'acme' }, 10, 5);
    run(factory, { 'x-tenant': 'acme' }, 1, 2);
    run(factory, { 'x-tenant': 'globex' }, 7, 0);
    run(factory, {}, 3, 3);

    expect(await byAttribute(metrics, 'llm_extproc.tenant.requests', (a) => String(a['tenant']))).toEqual({ acme: 2, globex: 1, none: 1 });
    expect(await byAttribute(metrics, 'llm_extproc.tenant.tokens', (a) => `${String(a['tenant'])}/${String(a['gen_ai.token.type'])}`)).toEqual({
      'acme/input': 11,
      'acme/output': 7,
      'globex/input': 7,
      'none/input': 3,
      'none/output': 3,
    });
  });

  it('keeps the built-in GenAI metrics it extends', async () => {
    const { metrics, factory } = await load({});
    run(factory, { 'x-tenant': 'acme' }, 10, 5);
    const usage = await metrics.points('gen_ai.client.token.usage');
    expect(usage.map((p) => p.attributes['gen_ai.token.type']).sort()).toEqual(['input', 'output']);
    expect(await metrics.points('gen_ai.server.request.duration')).toHaveLength(1);
  });

  it('caps the number of distinct tenants', async () => {
    const { metrics, factory } = await load({ maxTenants: 2 });
    for (const t of ['a', 'b', 'c', 'd', 'a']) run(factory, { 'x-tenant': t }, 1, 1);
    expect(await byAttribute(metrics, 'llm_extproc.tenant.requests', (a) => String(a['tenant']))).toEqual({ a: 2, b: 1, other: 2 });
  });

  it('refuses bad options at load, naming each with its config path', async () => {
    const err = await load({ maxTenants: 0, headr: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModuleOptionsError);
    expect((err as ModuleOptionsError).problems.map((p) => p.path).sort()).toEqual(['metrics.options', 'metrics.options.maxTenants']);
    expect((err as Error).message).toMatch(/^module "\.\/tenant-metrics\.ts": invalid options:\n {2}metrics\.options\.maxTenants \(line \d+\): /m);
  });

  it('can be called directly with a fake context and the schema-validated options', async () => {
    const metrics = createInMemoryMetrics();
    const factory = await createTenantMetrics(metrics.meter, fakeMetricsContext(optionsSchema.parse({ header: 'x-org' }), metrics.meter));
    run(factory, { 'x-org': 'acme' }, 1, 1);
    expect(await byAttribute(metrics, 'llm_extproc.tenant.requests', (a) => String(a['tenant']))).toEqual({ acme: 1 });
  });

  it('is quoted verbatim in docs/extending.md', () => {
    const doc = readFileSync(new URL('../../docs/extending.md', import.meta.url), 'utf8');
    const module = readFileSync(new URL('./tenant-metrics.ts', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/<!-- from examples\/metrics\/tenant-metrics\.ts -->\s*```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(2);
    for (const block of blocks) expect(module).toContain(block);
  });

  it('imports only the public entry points of llm-extproc', () => {
    const source = readFileSync(fileURLToPath(import.meta.url), 'utf8');
    const internal = [...source.matchAll(/from '(\.\.\/\.\.\/src\/[^']+)'/g)].map((m) => m[1]).filter((s) => s !== '../../src/index.js' && s !== '../../src/testing.js');
    expect(internal).toEqual([]);
  });
});
