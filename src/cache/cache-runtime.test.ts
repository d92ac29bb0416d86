/**
 * The process's response cache across config loads: kept while its store stays the same, a new
 * one opened (and the old closed on commit) when the store, its settings or a store module's
 * file change, closed when a config caches nothing, discarded when a generation fails, and an
 * embedder's cache never replaced.
 */
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNoopMeter } from '@opentelemetry/api';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { CacheMetrics } from './cache-metrics.js';
import { CacheRuntime } from './cache-runtime.js';
import { MemoryStore } from './memory-store.js';
import { ResponseCache } from './response-cache.js';
import type { CacheKey, StoredResponse } from './response-store.js';

const MEMORY_URL = import.meta.resolve('./memory-store.ts');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cache-runtime-'));
  await writeFile(join(dir, 'store.mjs'), `import { MemoryStore } from ${JSON.stringify(MEMORY_URL)};\nexport default ({ options }) => Object.assign(new MemoryStore({ maxBytes: 1 << 20 }), { kind: options.name ?? 'module' });\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = (cache: string) => parseConfig(`cache: ${cache}\nrules: [{ name: r }]\n`, join(dir, 'config.yaml'));
const runtime = (injected?: ResponseCache) => new CacheRuntime({ meter: createNoopMeter(), logger: pino({ level: 'silent' }), cwd: dir, ...(injected ? { injected } : {}) });
const key: CacheKey = { project: '', rule: 'r', model: 'm', digest: 'd' };
const value: StoredResponse = { status: 200, headers: [], body: Buffer.from('x'), storedAt: 0, usage: {} };

/** Prepares and commits `cache` settings; answers the cache now serving. */
async function load(rt: CacheRuntime, cache: string): Promise<ResponseCache | undefined> {
  const prepared = await rt.prepare(config(cache));
  prepared.commit();
  return rt.cache;
}

describe('CacheRuntime', () => {
  it('keeps the cache while the store settings stay; opens another and closes the old when they change', async () => {
    const rt = runtime();
    const first = await load(rt, '{ enabled: true, ttlSeconds: 60 }');
    await first!.save(key, value, 60_000);
    expect(await load(rt, '{ enabled: true, ttlSeconds: 600, streamKeys: shared }')).toBe(first);
    const second = await load(rt, '{ enabled: true, maxBytes: 1048576 }');
    expect(second).not.toBe(first);
    expect(await first!.lookup(key, 50)).toBeUndefined(); // closed: no more store calls
    expect(await second!.lookup(key, 50)).toBeUndefined(); // a fresh store
    await rt.close();
  });

  it('opens a store module, and again when its options or its file change', async () => {
    const rt = runtime();
    const a = await load(rt, '{ enabled: true, store: { module: ./store.mjs, options: { name: a } } }');
    expect(a!.store.kind).toBe('a');
    expect(await load(rt, '{ enabled: true, store: { module: ./store.mjs, options: { name: a } } }')).toBe(a);
    const b = await load(rt, '{ enabled: true, store: { module: ./store.mjs, options: { name: b } } }');
    expect(b!.store.kind).toBe('b');
    await utimes(join(dir, 'store.mjs'), new Date(), new Date(Date.now() + 5_000));
    const c = await load(rt, '{ enabled: true, store: { module: ./store.mjs, options: { name: b } } }');
    expect(c).not.toBe(b);
    await rt.close();
  });

  it('closes the cache when a config caches nothing, and discards a cache whose generation failed', async () => {
    const rt = runtime();
    const first = await load(rt, '{ enabled: true }');
    expect(await load(rt, '{ enabled: false }')).toBeUndefined();
    await first!.save(key, value, 60_000);
    expect(await first!.lookup(key, 50)).toBeUndefined();
    const prepared = await rt.prepare(config('{ enabled: true }'));
    await prepared.discard();
    expect(rt.cache).toBeUndefined();
    expect(await prepared.cache!.lookup(key, 50)).toBeUndefined();
    await rt.close();
  });

  it('refuses a config whose store module does not load, keeping the cache it has', async () => {
    const rt = runtime();
    const first = await load(rt, '{ enabled: true }');
    await expect(rt.prepare(config('{ enabled: true, store: { module: ./missing.mjs } }'))).rejects.toThrow(/module "\.\/missing\.mjs"/);
    expect(rt.cache).toBe(first);
    await rt.close();
  });

  it("never replaces an embedder's cache", async () => {
    const injected = new ResponseCache({ store: new MemoryStore({ maxBytes: 1 << 20 }), metrics: new CacheMetrics(createNoopMeter()), logger: pino({ level: 'silent' }) });
    const rt = runtime(injected);
    expect(await load(rt, '{ enabled: true, store: { module: ./store.mjs } }')).toBe(injected);
    expect(await load(rt, '{ enabled: false }')).toBe(injected);
    await rt.close();
  });
});
