/**
 * A response store loaded from a module named in a YAML config, in the real service: it serves
 * hits; a store that throws or answers malformed entries only turns requests into misses
 * (counted as store errors), never fails one; a reload that changes the store opens the new one
 * and closes the old, one that leaves it alone keeps it (and its entries), one whose store
 * module is refused keeps the current config and store; a config that caches nothing closes it;
 * a store module that does not load stops the service from starting.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { chatCompletionJson } from '../support/openai-bodies.js';
import { sampleSum } from '../support/prometheus.js';
import { startService, type TestService } from '../support/service.js';
import { jsonReply, startSingleRoute, type SingleRoute } from '../support/single-route.js';

const TOKEN = 'store-module-admin-token';

/** A Map-backed store; `fail` makes it throw from `get` or answer a malformed entry. Its options are checked by a hand-written Standard Schema. */
const MAP_STORE = `
export const optionsSchema = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (v) => (typeof v?.name === 'string' ? { value: { fail: 'none', ...v } } : { issues: [{ message: 'name is required', path: ['name'] }] }),
  },
};

export default ({ options, logger }) => {
  const entries = new Map();
  const id = (k) => JSON.stringify([k.project, k.rule, k.model, k.digest]);
  logger.info({ name: options.name }, 'map store opened');
  return {
    kind: 'map',
    get(key) {
      if (options.fail === 'throw') throw new Error('the map store exploded');
      if (options.fail === 'malformed') return Promise.resolve({ status: 200, headers: [], body: 'not bytes', storedAt: 0, usage: {} });
      const e = entries.get(id(key));
      return Promise.resolve(e && e.until > Date.now() ? e.value : undefined);
    },
    set(key, value, ttlMs) {
      entries.set(id(key), { value, until: Date.now() + ttlMs });
      return Promise.resolve();
    },
    purge() {
      const n = entries.size;
      entries.clear();
      return Promise.resolve(n);
    },
    stats() {
      return Promise.resolve({ entries: entries.size, bytes: [...entries.values()].reduce((n, e) => n + e.value.body.length, 0) });
    },
    close() {
      logger.info({ name: options.name }, 'map store closed');
      return Promise.resolve();
    },
  };
};
`;

let dir: string;
let configFile: string;
let svc: TestService;
let route: SingleRoute;

/** The config with the cache on `store` (YAML flow text). */
const configText = (store: string, enabled = true) => `admin: { token: { key: ${TOKEN} } }
cache: { enabled: ${enabled}, lookupTimeoutMs: 200, store: ${store} }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai, auth: { apiKey: { key: sk-backend } } }]
`;

async function reloadWith(text: string) {
  await writeFile(configFile, text);
  return svc.server.reload(loadConfigFile(configFile));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'store-module-it-'));
  await writeFile(join(dir, 'map-store.mjs'), MAP_STORE);
  configFile = join(dir, 'config.yaml');
  await writeFile(configFile, configText('{ module: ./map-store.mjs, options: { name: first } }'));
  svc = await startService({ loaded: await loadConfigFile(configFile) });
  route = await startSingleRoute({
    processorAddress: svc.target,
    handler: jsonReply(chatCompletionJson({ id: 'chatcmpl-map', model: 'gpt-4o-mini', content: 'from upstream', usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 } })),
  });
});

afterAll(async () => {
  await route?.close();
  await svc?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** POSTs one chat completion; its status and cache header. */
async function ask(content: string): Promise<{ status: number; cache: string | null }> {
  const res = await fetch(`${route.harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
  });
  await res.arrayBuffer();
  return { status: res.status, cache: res.headers.get('x-llm-extproc-cache') };
}

const metric = async (name: string, labels: Record<string, string> = {}) => sampleSum(await svc.metricsText(), name, labels);

/** Asks `content` until it is stored, then once more: the second answer's cache header. */
async function storeThenAsk(content: string): Promise<string | null> {
  const stored = await metric('llm_extproc_cache_stores_total');
  expect((await ask(content)).cache).toBe('miss');
  await route.harness.settled();
  await expect.poll(() => metric('llm_extproc_cache_stores_total')).toBe(stored + 1);
  return (await ask(content)).cache;
}

const logged = (msg: string, name: string) => svc.logs.filter((l) => l['msg'] === msg && l['name'] === name).length;

describe('a response store module named in the config', () => {
  it('serves hits from the store the module opened; the admin API names it', async () => {
    expect(logged('map store opened', 'first')).toBe(1);
    expect(await storeThenAsk('one')).toBe('hit');
    expect(route.upstream.requests).toHaveLength(1);
    const stats = await fetch(`${svc.adminUrl}/admin/cache/stats`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await stats.json()).toEqual({ store: 'map', entries: 1, bytes: expect.any(Number) });
  });

  it('keeps the store (and its entries) across a reload that leaves it alone', async () => {
    await reloadWith(configText('{ module: ./map-store.mjs, options: { name: first } }').replace('lookupTimeoutMs: 200', 'lookupTimeoutMs: 150'));
    expect((await ask('one')).cache).toBe('hit');
    expect(logged('map store closed', 'first')).toBe(0);
  });

  it('keeps the current config and store when a reload names a store module with refused options', async () => {
    const opened = svc.logs.filter((l) => l['msg'] === 'map store opened').length;
    const err = (await reloadWith(configText('{ module: ./map-store.mjs, options: { fail: throw } }')).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/module "\.\/map-store\.mjs": invalid options:\n {2}cache\.store\.options\.name \(line 2\): name is required/);
    expect((await ask('one')).cache).toBe('hit');
    expect(svc.logs.filter((l) => l['msg'] === 'map store opened')).toHaveLength(opened);
  });

  it('turns a store that throws, or answers malformed entries, into misses counted as store errors; requests succeed', async () => {
    for (const fail of ['throw', 'malformed']) {
      await reloadWith(configText(`{ module: ./map-store.mjs, options: { name: ${fail}, fail: ${fail} } }`));
      const errors = await metric('llm_extproc_cache_errors_total', { llm_extproc_cache_operation: 'get' });
      const before = route.upstream.requests.length;
      const answer = await ask(`failing ${fail}`);
      expect(answer).toEqual({ status: 200, cache: 'miss' });
      expect(route.upstream.requests.length - before).toBe(1);
      expect(await metric('llm_extproc_cache_errors_total', { llm_extproc_cache_operation: 'get' })).toBe(errors + 1);
    }
    expect(svc.logs.some((l) => l['msg'] === 'response cache store failing: requests go upstream as misses until it recovers' && l['store'] === 'map')).toBe(true);
  });

  it('opens the new store and closes the old when a reload changes it', async () => {
    await reloadWith(configText('{ module: ./map-store.mjs, options: { name: second } }'));
    await expect.poll(() => logged('map store closed', 'malformed')).toBe(1);
    expect(logged('map store opened', 'second')).toBe(1);
    // The new store starts empty: a prompt the first store held is a miss, then a hit.
    expect(await storeThenAsk('one')).toBe('hit');
  });

  it('closes the store when a config caches nothing, and opens the built-in one when the config names it', async () => {
    await reloadWith(configText('{ module: ./map-store.mjs, options: { name: second } }', false));
    await expect.poll(() => logged('map store closed', 'second')).toBe(1);
    const off = await fetch(`${svc.adminUrl}/admin/cache/stats`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(off.status).toBe(409);
    await off.arrayBuffer();
    expect((await ask('off')).cache).toBeNull();
    await reloadWith(configText('memory'));
    expect(await storeThenAsk('memory')).toBe('hit');
    const stats = await fetch(`${svc.adminUrl}/admin/cache/stats`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await stats.json()) as { store: string }).store).toBe('memory');
  });

  it('stops the service from starting when the store module does not load', async () => {
    await writeFile(join(dir, 'broken.yaml'), configText('{ module: ./no-such-store.mjs }'));
    const err = await startService({ loaded: await loadConfigFile(join(dir, 'broken.yaml')) }).then(
      async (started) => {
        await started.stop();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect((err as Error | undefined)?.message).toMatch(/^module "\.\/no-such-store\.mjs": cannot be imported/);
  });
});
