import { describe, expect, it } from 'vitest';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { configSchema } from '../../src/config/schema.js';
import { createGenAiMetrics } from '../../src/metrics/genai-metrics.js';
import { loadMetricsFactory } from '../../src/metrics/load-metrics-module.js';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
  async points(name: string): Promise<Array<DataPoint<unknown>>> {
    const { resourceMetrics } = await this.collect();
    return resourceMetrics.scopeMetrics.flatMap((sm) => sm.metrics.filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as Array<DataPoint<unknown>>));
  }
}

const here = dirname(fileURLToPath(import.meta.url));

async function load(options: Record<string, unknown>) {
  const reader = new TestReader();
  const meter = new MeterProvider({ readers: [reader] }).getMeter('llm-extproc');
  const logger = pino({ level: 'silent' });
  const config = configSchema.parse({ metrics: { module: './tenant-metrics.ts', options } });
  const defaultFactory = createGenAiMetrics(meter, { requestHeaderAttributes: {}, maxAttributeValues: 100, logger });
  const factory = await loadMetricsFactory(config.metrics, { baseDir: here, meter, logger, config, defaultFactory });
  return { reader, factory };
}

function run(factory: Awaited<ReturnType<typeof load>>['factory'], headers: Record<string, string>, input: number, output: number): void {
  const m = factory.newRequest();
  m.startRequest(headers, { api: 'openai.chat_completions', operation: 'chat', provider: 'openai' });
  m.setModel('gpt-4o-mini');
  m.setBackend('openai', 'openai');
  m.recordTokenUsage({ input, output });
  m.recordRequestCompletion(true);
}

describe('examples/metrics/tenant-metrics', () => {
  it('is loaded at runtime by the module loader and counts requests and tokens per tenant', async () => {
    const { reader, factory } = await load({ header: 'X-Tenant' });
    run(factory, { 'x-tenant': 'acme' }, 10, 5);
    run(factory, { 'x-tenant': 'acme' }, 1, 2);
    run(factory, { 'x-tenant': 'globex' }, 7, 0);
    run(factory, {}, 3, 3);

    const requests = Object.fromEntries((await reader.points('llm_extproc.tenant.requests')).map((p) => [p.attributes['tenant'], p.value]));
    expect(requests).toEqual({ acme: 2, globex: 1, none: 1 });

    const tokens = Object.fromEntries(
      (await reader.points('llm_extproc.tenant.tokens')).map((p) => [`${String(p.attributes['tenant'])}/${String(p.attributes['gen_ai.token.type'])}`, p.value]),
    );
    expect(tokens).toEqual({ 'acme/input': 11, 'acme/output': 7, 'globex/input': 7, 'none/input': 3, 'none/output': 3 });
  });

  it('keeps the built-in GenAI metrics it wraps', async () => {
    const { reader, factory } = await load({});
    run(factory, { 'x-tenant': 'acme' }, 10, 5);
    const usage = await reader.points('gen_ai.client.token.usage');
    expect(usage.map((p) => p.attributes['gen_ai.token.type']).sort()).toEqual(['input', 'output']);
    expect(await reader.points('gen_ai.server.request.duration')).toHaveLength(1);
  });

  it('caps the number of distinct tenants', async () => {
    const { reader, factory } = await load({ maxTenants: 2 });
    for (const t of ['a', 'b', 'c', 'd', 'a']) run(factory, { 'x-tenant': t }, 1, 1);
    const requests = Object.fromEntries((await reader.points('llm_extproc.tenant.requests')).map((p) => [p.attributes['tenant'], p.value]));
    expect(requests).toEqual({ a: 2, b: 1, other: 2 });
  });
});
