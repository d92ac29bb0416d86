/**
 * Loading response store modules: options checked by the module's `optionsSchema` with their
 * config path and line, clear errors naming the module for a factory that throws or returns
 * something that is not a store, and a store whose every answer is held to the contract.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNoopMeter } from '@opentelemetry/api';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { ModuleLoadError } from '../modules/import-module.js';
import { ModuleOptionsError } from '../modules/options-schema.js';
import { guardedStore, StoreContractError } from './guarded-store.js';
import { MemoryStore } from './memory-store.js';
import type { CacheKey, ResponseStore, StoredResponse } from './response-store.js';
import { loadStoreModule } from './store-module.js';

const zodUrl = import.meta.resolve('zod');
const MEMORY_URL = import.meta.resolve('./memory-store.ts');
let dir: string;

const MODULES: Record<string, string> = {
  'memory.mjs': `import { z } from ${JSON.stringify(zodUrl)};
import { MemoryStore } from ${JSON.stringify(MEMORY_URL)};
export const optionsSchema = z.strictObject({ maxBytes: z.int().positive().default(1024) });
export default ({ options, baseDir }) => Object.assign(new MemoryStore({ maxBytes: options.maxBytes }), { kind: \`memory:\${options.maxBytes}:\${baseDir}\` });\n`,
  'throws.mjs': `export default () => { throw new Error('cannot reach the backend'); };\n`,
  'not-a-store.mjs': `export default () => ({ kind: 'half', get() {}, set() {} });\n`,
  'no-kind.mjs': `export default async () => ({ get() {}, set() {}, purge() {}, stats() {}, close() {} });\n`,
  'not-a-function.mjs': `export default { kind: 'x' };\n`,
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'store-module-'));
  await Promise.all(Object.entries(MODULES).map(([name, text]) => writeFile(join(dir, name), text)));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function load(module: string, optionsYaml = '{}') {
  const text = `# a store module\ncache:\n  enabled: true\n  store:\n    module: ./${module}\n    options: ${optionsYaml}\n`;
  const store = parseConfig(text, join(dir, 'config.yaml')).config.cache.store;
  if (typeof store !== 'object') throw new Error('not a module store');
  return loadStoreModule(store, { baseDir: dir, logger: pino({ level: 'silent' }), meter: createNoopMeter(), configText: text });
}

describe('loadStoreModule', () => {
  it('hands the factory the schema output and the config directory, and answers a working store', async () => {
    const store = await load('memory.mjs');
    expect(store.kind).toBe(`memory:1024:${dir}`);
    const key: CacheKey = { project: '', rule: 'r', model: 'm', digest: 'd' };
    await store.set(key, { status: 200, headers: [], body: Buffer.from('x'), storedAt: 0, usage: {} }, 60_000);
    expect((await store.get(key))?.body.toString()).toBe('x');
    await store.close();
  });

  it('reports refused options with their path and line', async () => {
    const err = (await load('memory.mjs', '{ maxBytes: -1, colour: red }').catch((e: unknown) => e)) as ModuleOptionsError;
    expect(err).toBeInstanceOf(ModuleOptionsError);
    expect(err.problems.map((p) => [p.path, p.line])).toEqual([
      ['cache.store.options.maxBytes', 6],
      ['cache.store.options', 6],
    ]);
    expect(err.message).toMatch(/^module "\.\/memory\.mjs": invalid options:/);
  });

  it('names the module when its factory throws, returns no store, or is not a function', async () => {
    await expect(load('throws.mjs')).rejects.toThrow('module "./throws.mjs": factory threw: cannot reach the backend');
    await expect(load('not-a-store.mjs')).rejects.toThrow('module "./not-a-store.mjs": the store lacks purge, stats, close');
    await expect(load('no-kind.mjs')).rejects.toThrow('module "./no-kind.mjs": the store must have a non-empty string kind');
    await expect(load('not-a-function.mjs')).rejects.toThrow(/module "\.\/not-a-function\.mjs": default export must be a factory function/);
    await expect(load('missing.mjs')).rejects.toBeInstanceOf(ModuleLoadError);
  });
});

describe('guardedStore', () => {
  const key: CacheKey = { project: 'p', rule: 'r', model: 'm', digest: 'd' };
  const good: StoredResponse = { status: 200, headers: [['content-type', 'application/json']], body: Buffer.from('{}'), storedAt: 1, usage: { input: 1 }, costUsd: null };
  /** A store whose `get` answers `got` and whose other methods do as told. */
  function store(over: Partial<Record<keyof ResponseStore, unknown>>): ResponseStore {
    const inner = new MemoryStore({ maxBytes: 1 << 20 });
    return guardedStore({ kind: 'test', get: inner.get.bind(inner), set: inner.set.bind(inner), purge: inner.purge.bind(inner), stats: inner.stats.bind(inner), close: inner.close.bind(inner), ...over } as ResponseStore);
  }

  it('turns synchronous throws and plain values into promises', async () => {
    const s = store({
      get: () => {
        throw new Error('boom');
      },
      set: () => {
        throw 'not even an Error';
      },
      stats: () => ({ entries: 1, bytes: 2 }),
      close: () => undefined,
    });
    await expect(s.get(key)).rejects.toThrow('boom');
    await expect(s.set(key, good, 1)).rejects.toThrow('not even an Error');
    expect(await s.stats()).toEqual({ entries: 1, bytes: 2 });
    await expect(s.close()).resolves.toBeUndefined();
  });

  it('passes well-formed entries, makes a Uint8Array body a Buffer, and refuses malformed ones', async () => {
    expect(await store({ get: async () => good }).get(key)).toEqual(good);
    expect(await store({ get: async () => null }).get(key)).toBeUndefined();
    const bytes = await store({ get: async () => ({ ...good, body: new Uint8Array([123, 125]) }) }).get(key);
    expect(Buffer.isBuffer(bytes?.body) && bytes.body.toString()).toBe('{}');
    const malformed = [
      'a string',
      { ...good, status: '200' },
      { ...good, headers: [['content-type']] },
      { ...good, headers: [['x', 'a\r\nb']] },
      { ...good, body: 'text' },
      { ...good, storedAt: undefined },
      { ...good, usage: { input: -1 } },
      { ...good, responseModel: 3 },
      { ...good, costUsd: '1' },
    ];
    for (const bad of malformed) await expect(store({ get: async () => bad }).get(key), JSON.stringify(bad)).rejects.toBeInstanceOf(StoreContractError);
  });

  it('refuses purge and stats answers that are not counts', async () => {
    await expect(store({ purge: async () => 'all' }).purge({})).rejects.toBeInstanceOf(StoreContractError);
    await expect(store({ stats: async () => ({ entries: 1 }) }).stats()).rejects.toBeInstanceOf(StoreContractError);
    expect(await store({}).purge({})).toBe(0);
  });
});
