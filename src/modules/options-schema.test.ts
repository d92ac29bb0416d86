/**
 * Module option schemas: a module's `optionsSchema` export is applied by both loaders at load,
 * its output is what the factory gets, and every refused option is reported with its config path
 * and the line of that path in the config file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNoopMeter } from '@opentelemetry/api';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfig } from '../config/load.js';
import { createGenAiMetrics } from '../metrics/genai-metrics.js';
import { loadMetricsFactory } from '../metrics/load-metrics-module.js';
import { loadRouter } from '../routing/load-router.js';
import { ModuleLoadError } from './import-module.js';
import { isOptionsSchema, ModuleOptionsError, validateModuleOptions } from './options-schema.js';

const zodUrl = import.meta.resolve('zod');
let dir: string;

const MODULES: Record<string, string> = {
  'schema-router.mjs': `import { z } from ${JSON.stringify(zodUrl)};
export const optionsSchema = z.strictObject({ rule: z.string().min(1), models: z.array(z.string()).min(1), weight: z.number().default(1) });
export default (defaultRouter, ctx) => ({ seen: ctx.options, calculate: () => ctx.options.rule });\n`,
  'schema-metrics.mjs': `import { z } from ${JSON.stringify(zodUrl)};
export const optionsSchema = z.object({ header: z.string().transform((h) => h.toLowerCase()) });
export default (meter, ctx) => ({ seen: ctx.options, newRequest: () => ctx.defaultFactory.newRequest() });\n`,
  'bad-schema.mjs': `export const optionsSchema = { parse() {} };\nexport default () => ({ calculate: () => 'x' });\n`,
  'no-schema.mjs': `export default (defaultRouter, ctx) => ({ seen: ctx.options, calculate: () => 'x' });\n`,
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'module-options-'));
  await Promise.all(Object.entries(MODULES).map(([name, text]) => writeFile(join(dir, name), text)));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function routerConfig(module: string, optionsYaml: string): { text: string; config: ReturnType<typeof parseConfig>['config'] } {
  const text = `# a router with options
router:
  module: ./${module}
  options:
${optionsYaml}
`;
  return { text, config: parseConfig(text, join(dir, 'config.yaml')).config };
}

const deps = (configText?: string) => ({ baseDir: dir, logger: pino({ level: 'silent' }), meter: createNoopMeter(), ...(configText ? { configText } : {}) });

describe('router modules with optionsSchema', () => {
  it('hand the factory the schema output, defaults applied', async () => {
    const { text, config } = routerConfig('schema-router.mjs', '    rule: premium\n    models: [gpt-4o]');
    const { router } = await loadRouter(config, deps(text));
    expect((router as unknown as { seen: unknown }).seen).toEqual({ rule: 'premium', models: ['gpt-4o'], weight: 1 });
  });

  it('report every refused option with its path and line', async () => {
    const { text, config } = routerConfig('schema-router.mjs', '    rule: premium\n    models: [gpt-4o, 7]\n    colour: blue');
    const err = await loadRouter(config, deps(text)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModuleOptionsError);
    expect(err).toBeInstanceOf(ModuleLoadError);
    const problems = (err as ModuleOptionsError).problems;
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['router.options.models[1]', 6],
      ['router.options', 4],
    ]);
    expect((err as Error).message).toBe(`module "./schema-router.mjs": invalid options:\n  router.options.models[1] (line 6): ${problems[0]!.message}\n  router.options (line 4): ${problems[1]!.message}`);
    expect(problems[1]!.message).toContain('colour');
  });

  it('report paths without lines when the config text is not given', async () => {
    const { config } = routerConfig('schema-router.mjs', '    models: []');
    const err = (await loadRouter(config, deps()).catch((e: unknown) => e)) as ModuleOptionsError;
    expect(err.problems.map((p) => p.path).sort()).toEqual(['router.options.models', 'router.options.rule']);
    expect(err.problems.every((p) => p.line === undefined)).toBe(true);
  });

  it('refuse an optionsSchema export that is not a schema', async () => {
    const { text, config } = routerConfig('bad-schema.mjs', '    a: 1');
    await expect(loadRouter(config, deps(text))).rejects.toThrow('module "./bad-schema.mjs": optionsSchema must be a schema');
  });

  it('leave options as written without a schema', async () => {
    const { text, config } = routerConfig('no-schema.mjs', '    a: 1');
    const { router } = await loadRouter(config, deps(text));
    expect((router as unknown as { seen: unknown }).seen).toEqual({ a: 1 });
  });
});

describe('metrics modules with optionsSchema', () => {
  it('hand the factory the schema output, and report refusals under metrics.options', async () => {
    const load = (options: Record<string, unknown>) => {
      const text = JSON.stringify({ metrics: { module: './schema-metrics.mjs', options } }, null, 2);
      const config = parseConfig(text, join(dir, 'c.json')).config;
      const logger = pino({ level: 'silent' });
      const defaultFactory = createGenAiMetrics(createNoopMeter(), { requestHeaderAttributes: {}, maxAttributeValues: 10, logger });
      return loadMetricsFactory(config.metrics, { baseDir: dir, meter: createNoopMeter(), logger, config, defaultFactory, configText: text });
    };
    expect(((await load({ header: 'X-Org' })) as unknown as { seen: unknown }).seen).toEqual({ header: 'x-org' });
    const err = (await load({ header: 3 }).catch((e: unknown) => e)) as ModuleOptionsError;
    expect(err.problems).toEqual([{ path: 'metrics.options.header', message: expect.any(String), line: 5 }]);
  });
});

describe('validateModuleOptions', () => {
  it('accepts any Standard Schema, async ones too, and reads object path segments', async () => {
    const custom = {
      '~standard': {
        version: 1 as const,
        vendor: 'custom',
        validate: async (v: unknown) => (v === 'ok' ? { value: 'OK' } : { issues: [{ message: 'not ok', path: [{ key: 'a' }, 0] }] }),
      },
    };
    expect(isOptionsSchema(custom)).toBe(true);
    expect(isOptionsSchema(z.string())).toBe(true);
    expect(isOptionsSchema({})).toBe(false);
    expect(await validateModuleOptions(custom, 'ok', { specifier: 'm', path: 'router.options' })).toBe('OK');
    await expect(validateModuleOptions(custom, 'no', { specifier: 'm', path: 'router.options' })).rejects.toMatchObject({ problems: [{ path: 'router.options.a[0]', message: 'not ok' }] });
  });

  it('turns a throwing schema into a load error naming the module', async () => {
    const throwing = { '~standard': { version: 1 as const, vendor: 'x', validate: () => { throw new Error('boom'); } } };
    await expect(validateModuleOptions(throwing, {}, { specifier: 'm', path: 'metrics.options' })).rejects.toThrow('module "m": optionsSchema threw: boom');
  });
});
