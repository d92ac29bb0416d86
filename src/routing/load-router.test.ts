import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { createNoopMeter } from '@opentelemetry/api';
import { parseConfig } from '../config/load.js';
import { ModuleLoadError } from '../modules/import-module.js';
import { HeaderMatchRouter } from './header-match-router.js';
import { loadRouter, type LoadRouterDeps } from './load-router.js';
import { NoMatchingRuleError } from './router.js';

let dir: string;
let deps: LoadRouterDeps;

const MODULES: Record<string, string> = {
  // Wraps the default router: x-tenant premium → options.rule, else the default answer.
  'wraps.mjs': `export default (defaultRouter, ctx) => ({
    seen: { options: ctx.options, modelHeader: ctx.config.modelNameHeaderKey, hasLogger: typeof ctx.logger.info === 'function', hasMeter: typeof ctx.meter.createCounter === 'function', frozen: Object.isFrozen(ctx.config) },
    calculate(headers, request) {
      return headers['x-tenant'] === 'premium' ? ctx.options.rule : defaultRouter.calculate(headers, request);
    },
  });\n`,
  'async-factory.mjs': `export default async (defaultRouter) => { await new Promise((r) => setImmediate(r)); return { calculate: async (h) => 'async:' + defaultRouter.calculate(h) }; };\n`,
  'not-a-function.mjs': `export default { calculate() { return 'x'; } };\n`,
  'no-default.mjs': `export const router = () => ({ calculate: () => 'x' });\n`,
  'throws.mjs': `export default () => { throw new Error('option "rule" is required'); };\n`,
  'throws-string.mjs': `export default () => { throw 'just a string'; };\n`,
  'rejects.mjs': `export default async () => { throw new Error('async setup failed'); };\n`,
  'no-calculate.mjs': `export default () => ({ route() { return 'x'; } });\n`,
  'calculate-not-fn.mjs': `export default () => ({ calculate: 'openai' });\n`,
  'returns-null.mjs': `export default () => null;\n`,
  'returns-string.mjs': `export default () => 'openai';\n`,
  'syntax-error.mjs': `export default (;\n`,
  'counter.mjs': `let n = 0; export default () => { n += 1; const id = n; return { calculate: () => 'load-' + id }; };\n`,
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'router-module-'));
  await Promise.all(Object.entries(MODULES).map(([name, text]) => writeFile(join(dir, name), text)));
  deps = { baseDir: dir, logger: pino({ level: 'silent' }), meter: createNoopMeter() };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cfg(module?: string, options: Record<string, unknown> = {}) {
  const router = module ? `router: { module: ${JSON.stringify(module)}, options: ${JSON.stringify(options)} }\n` : '';
  return parseConfig(
    `${router}modelNameHeaderKey: X-Model
rules:
  - name: openai
    headers: [{ name: x-model, prefix: "gpt-" }]
`,
    'test.yaml',
  ).config;
}

async function loadError(module: string): Promise<ModuleLoadError> {
  const err = await loadRouter(cfg(module), deps).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ModuleLoadError);
  expect((err as ModuleLoadError).specifier).toBe(module);
  expect((err as Error).message).toContain(`module ${JSON.stringify(module)}`);
  return err as ModuleLoadError;
}

describe('loadRouter', () => {
  it('without router.module, the default header-match router is in charge', async () => {
    const loaded = await loadRouter(cfg(), deps);
    expect(loaded.router).toBeInstanceOf(HeaderMatchRouter);
    expect(loaded.router).toBe(loaded.defaultRouter);
    expect(loaded.module).toBeUndefined();
    expect(loaded.router.calculate({ 'x-model': 'gpt-4o' })).toBe('openai');
  });

  it('loads a factory that wraps the default router, handing it options, config, logger and meter', async () => {
    const loaded = await loadRouter(cfg('./wraps.mjs', { rule: 'premium' }), deps);
    expect(loaded.module).toBe('./wraps.mjs');
    expect(loaded.defaultRouter).toBeInstanceOf(HeaderMatchRouter);
    expect((loaded.router as unknown as { seen: unknown }).seen).toEqual({
      options: { rule: 'premium' },
      modelHeader: 'x-model',
      hasLogger: true,
      hasMeter: true,
      frozen: true,
    });
    expect(await loaded.router.calculate({ 'x-model': 'gpt-4o', 'x-tenant': 'premium' })).toBe('premium');
    expect(await loaded.router.calculate({ 'x-model': 'gpt-4o' })).toBe('openai');
    expect(() => loaded.router.calculate({ 'x-model': 'llama' })).toThrow(NoMatchingRuleError);
  });

  it('resolves an absolute path and a file: URL as well as a relative one', async () => {
    expect((await loadRouter(cfg(join(dir, 'wraps.mjs'), { rule: 'r' }), deps)).module).toBe(join(dir, 'wraps.mjs'));
    const url = new URL(`file://${join(dir, 'wraps.mjs')}`).href;
    expect(await (await loadRouter(cfg(url, { rule: 'r' }), deps)).router.calculate({ 'x-tenant': 'premium' })).toBe('r');
  });

  it('awaits an async factory', async () => {
    const loaded = await loadRouter(cfg('./async-factory.mjs'), deps);
    expect(await loaded.router.calculate({ 'x-model': 'gpt-4o' })).toBe('async:openai');
  });

  it('re-imports the module for each cache-bust token (a reload picks up a changed file)', async () => {
    const a = await loadRouter(cfg('./counter.mjs'), { ...deps, cacheBust: 'gen-1' });
    const b = await loadRouter(cfg('./counter.mjs'), { ...deps, cacheBust: 'gen-2' });
    const a2 = await loadRouter(cfg('./counter.mjs'), { ...deps, cacheBust: 'gen-1' });
    expect(await a.router.calculate({})).toBe('load-1');
    expect(await b.router.calculate({})).toBe('load-1'); // a fresh module instance: its counter restarts
    expect(await a2.router.calculate({})).toBe('load-2'); // same token: the same module instance, factory called again
  });

  it.each([
    ['./not-a-function.mjs', /default export must be a factory function, got object/],
    ['./no-default.mjs', /default export must be a factory function, got undefined/],
    ['./throws.mjs', /factory threw: option "rule" is required/],
    ['./throws-string.mjs', /factory threw: just a string/],
    ['./rejects.mjs', /factory threw: async setup failed/],
    ['./no-calculate.mjs', /factory must return an object with a calculate\(headers, request\) method/],
    ['./calculate-not-fn.mjs', /factory must return an object with a calculate/],
    ['./returns-null.mjs', /factory must return an object with a calculate/],
    ['./returns-string.mjs', /factory must return an object with a calculate/],
    ['./syntax-error.mjs', /cannot be imported/],
    ['./missing.mjs', /cannot be imported/],
  ])('rejects %s with a ModuleLoadError naming it', async (module, message) => {
    expect((await loadError(module)).message).toMatch(message);
  });

  it('keeps the cause of a throwing factory', async () => {
    const err = await loadError('./throws.mjs');
    expect((err.cause as Error).message).toBe('option "rule" is required');
  });

  it('loads ESM-only packages (exports without a require condition) installed beside the config', async () => {
    const write = async (pkg: string, files: Record<string, string>) => {
      const root = join(dir, 'node_modules', pkg);
      for (const [name, text] of Object.entries(files)) {
        await mkdir(dirname(join(root, name)), { recursive: true });
        await writeFile(join(root, name), text);
      }
    };
    const factory = (tag: string) => `export default (defaultRouter) => ({ calculate: (h) => '${tag}:' + defaultRouter.calculate(h) });\n`;
    await write('esm-only-router', {
      'package.json': JSON.stringify({ name: 'esm-only-router', type: 'module', exports: { '.': { import: './dist/index.js' }, './canary': { import: './dist/canary.js' } } }),
      'dist/index.js': factory('esm'),
      'dist/canary.js': factory('canary'),
    });
    await write('@acme/router', { 'package.json': JSON.stringify({ name: '@acme/router', type: 'module', exports: { import: './main.js' } }), 'main.js': factory('acme') });
    // A nested config directory finds the package up the tree, as import would.
    const nested = { ...deps, baseDir: join(dir, 'configs', 'prod') };
    for (const [module, tag] of [['esm-only-router', 'esm'], ['esm-only-router/canary', 'canary'], ['@acme/router', 'acme']] as const) {
      const { router } = await loadRouter(cfg(module), nested);
      expect(await router.calculate({ 'x-model': 'gpt-4o' })).toBe(`${tag}:openai`);
    }
  });

  it('names a package that cannot be resolved', async () => {
    const err = await loadError('llm-extproc-router-that-does-not-exist');
    expect(err.message).toMatch(/cannot be imported: .*llm-extproc-router-that-does-not-exist/);
  });

  it('names a scoped package that cannot be resolved', async () => {
    const err = await loadError('@example/no-such-router/sub');
    expect(err.message).toMatch(/cannot be imported/);
  });
});
