import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { metrics } from '@opentelemetry/api';
import { configSchema, type Config } from '../config/schema.js';
import { ModuleLoadError } from '../modules/import-module.js';
import { loadMetricsFactory } from './load-metrics-module.js';
import type { RequestMetricsFactory } from './request-metrics.js';

let dir: string;
const logger = pino({ level: 'silent' });
const meter = metrics.getMeterProvider().getMeter('test');
const defaultFactory: RequestMetricsFactory = {
  newRequest: () => ({
    startRequest() {},
    setModel() {},
    setBackend() {},
    recordTokenUsage() {},
    recordRequestCompletion() {},
    recordTokenLatency() {},
  }),
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metrics-module-'));
  await writeFile(
    join(dir, 'wraps.mjs'),
    `export default async (meter, ctx) => ({ newRequest: () => ctx.defaultFactory.newRequest(), seen: { options: ctx.options, hasMeter: typeof meter.createCounter === 'function', hasLogger: typeof ctx.logger.info === 'function', uuid: ctx.config.uuid } });\n`,
  );
  await writeFile(join(dir, 'not-a-factory.mjs'), `export default 42;\n`);
  await writeFile(join(dir, 'no-new-request.mjs'), `export default () => ({ newRequest: 'nope' });\n`);
  await writeFile(join(dir, 'returns-null.mjs'), `export default () => null;\n`);
  await writeFile(join(dir, 'throws.mjs'), `export default () => { throw new Error('bad options'); };\n`);
  await writeFile(join(dir, 'rejects.mjs'), `export default async () => { throw new Error('async bad'); };\n`);
  await writeFile(join(dir, 'syntax.mjs'), `export default (;\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cfg(module?: string, options: Record<string, unknown> = {}): Config {
  return configSchema.parse({ uuid: 'u-1', metrics: module ? { module, options } : {} });
}

function load(config: Config): Promise<RequestMetricsFactory> {
  return loadMetricsFactory(config.metrics, { baseDir: dir, meter, logger, config, defaultFactory });
}

describe('loadMetricsFactory', () => {
  it('returns the default factory when no module is set', async () => {
    expect(await load(cfg())).toBe(defaultFactory);
  });

  it('calls the module with the meter and a context, awaiting an async factory', async () => {
    const f = (await load(cfg('./wraps.mjs', { rate: 3 }))) as RequestMetricsFactory & { seen: unknown };
    expect(f.seen).toEqual({ options: { rate: 3 }, hasMeter: true, hasLogger: true, uuid: 'u-1' });
    expect(typeof f.newRequest().startRequest).toBe('function');
  });

  it.each([
    ['./not-a-factory.mjs', /default export must be a factory function, got number/],
    ['./no-new-request.mjs', /must return an object with a newRequest\(\) method, got an object without newRequest/],
    ['./returns-null.mjs', /must return an object with a newRequest\(\) method, got null/],
    ['./throws.mjs', /metrics factory threw: bad options/],
    ['./rejects.mjs', /metrics factory threw: async bad/],
    ['./syntax.mjs', /cannot be imported/],
    ['./missing.mjs', /cannot be imported/],
  ])('rejects %s with a ModuleLoadError naming it', async (module, message) => {
    const err = await load(cfg(module)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModuleLoadError);
    expect((err as ModuleLoadError).specifier).toBe(module);
    expect((err as Error).message).toContain(JSON.stringify(module));
    expect((err as Error).message).toMatch(message);
  });
});
