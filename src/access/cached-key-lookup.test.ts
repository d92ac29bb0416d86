import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CachedKeyLookup } from './cached-key-lookup.js';
import { generateSecret, hashSecret } from './key-secret.js';
import { createSqliteStore } from './sqlite-store.js';
import type { AccessStore, KeyForLookup } from './store.js';

const logger = pino({ level: 'silent' });
const change = { actor: 'test', at: 1 };

/** Counts the store's lookups, and can fail writes. */
function spy(store: AccessStore) {
  const calls: string[] = [];
  let failWrites = 0;
  const wrapped: AccessStore = Object.create(store, {
    findKeyForLookup: {
      value: (id: string): Promise<KeyForLookup | undefined> => {
        calls.push(id);
        return store.findKeyForLookup(id);
      },
    },
    addRequestCounts: {
      value: (counts: ReadonlyMap<string, number>) => {
        if (failWrites > 0) {
          failWrites -= 1;
          return Promise.reject(new Error('database is down'));
        }
        return store.addRequestCounts(counts);
      },
    },
  });
  return { store: wrapped, calls, failNextWrites: (n: number) => void (failWrites = n) };
}

let dir: string;
let store: AccessStore;
let clock: number;
const now = () => clock;

async function makeKey(overrides: { maxRequests?: number } = {}) {
  const { id, secret } = generateSecret();
  await store.createKey(
    { id, project: 'p', name: 'n', secretHash: hashSecret(secret), createdAt: 1, expiresAt: null, maxRequests: overrides.maxRequests ?? null, allowedModels: ['gpt-*'], allowedRules: [] },
    change,
  );
  return { id, secret };
}

beforeEach(async () => {
  clock = 1_000_000;
  dir = await mkdtemp(join(tmpdir(), 'lookup-'));
  store = createSqliteStore(join(dir, 's.db'));
  await store.migrate();
  await store.createProject('p', change);
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const cache = { ttlMs: 5000, negativeTtlMs: 1000, maxEntries: 100 };

describe('CachedKeyLookup', () => {
  it('finds a key by its secret and serves repeats from the cache until the TTL', async () => {
    const s = spy(store);
    const lookup = new CachedKeyLookup({ store: s.store, logger, cache, now });
    const { id, secret } = await makeKey();
    const key = await lookup.find(secret);
    expect(key).toMatchObject({ id, project: 'p', projectActive: true, revoked: false, allowedModels: ['gpt-*'], requestCount: 0 });
    expect(JSON.stringify(key)).not.toContain(secret);
    await lookup.find(secret);
    expect(s.calls).toEqual([id]);
    clock += 5000;
    await lookup.find(secret);
    expect(s.calls).toEqual([id, id]);
    await lookup.close();
  });

  it('a wrong secret for a known id is refused, from the same cached record', async () => {
    const s = spy(store);
    const lookup = new CachedKeyLookup({ store: s.store, logger, cache, now });
    const { id, secret } = await makeKey();
    const wrong = `lxk_${id}_${'A'.repeat(43)}`;
    expect(await lookup.find(wrong)).toBeUndefined();
    expect(await lookup.find(secret)).toBeDefined();
    expect(s.calls).toEqual([id]);
    await lookup.close();
  });

  it('caches unknown ids for the negative TTL; malformed secrets never reach the store', async () => {
    const s = spy(store);
    const lookup = new CachedKeyLookup({ store: s.store, logger, cache, now });
    const unknown = `lxk_0123456789abcdef_${'b'.repeat(43)}`;
    expect(await lookup.find(unknown)).toBeUndefined();
    expect(await lookup.find(unknown)).toBeUndefined();
    expect(s.calls).toHaveLength(1);
    clock += 1000;
    expect(await lookup.find(unknown)).toBeUndefined();
    expect(s.calls).toHaveLength(2);
    expect(await lookup.find('sk-not-ours')).toBeUndefined();
    expect(s.calls).toHaveLength(2);
    await lookup.close();
  });

  it('a key created after a negative answer works once the negative TTL passes', async () => {
    const lookup = new CachedKeyLookup({ store, logger, cache, now });
    const { id, secret } = generateSecret();
    expect(await lookup.find(secret)).toBeUndefined();
    await store.createKey({ id, project: 'p', name: 'late', secretHash: hashSecret(secret), createdAt: 1, expiresAt: null, maxRequests: null, allowedModels: [], allowedRules: [] }, change);
    expect(await lookup.find(secret)).toBeUndefined();
    clock += cache.negativeTtlMs;
    expect(await lookup.find(secret)).toMatchObject({ id });
    await lookup.close();
  });

  it('invalidation shows a change made through this process at once', async () => {
    const lookup = new CachedKeyLookup({ store, logger, cache, now });
    const { id, secret } = await makeKey();
    expect((await lookup.find(secret))?.revoked).toBe(false);
    await store.revokeKey(id, change);
    expect((await lookup.find(secret))?.revoked).toBe(false); // cached, TTL not passed
    lookup.invalidateKey(id);
    expect((await lookup.find(secret))?.revoked).toBe(true);
    await store.setProjectActive('p', false, change);
    lookup.invalidateAll();
    expect((await lookup.find(secret))?.projectActive).toBe(false);
    await lookup.close();
  });

  it('keeps at most maxEntries records, dropping the least recently used', async () => {
    const s = spy(store);
    const lookup = new CachedKeyLookup({ store: s.store, logger, cache: { ...cache, maxEntries: 2 }, now });
    const a = await makeKey();
    const b = await makeKey();
    const c = await makeKey();
    await lookup.find(a.secret);
    await lookup.find(b.secret);
    await lookup.find(a.secret); // a is now most recent
    await lookup.find(c.secret); // drops b
    expect(lookup.size).toBe(2);
    s.calls.length = 0;
    await lookup.find(a.secret);
    await lookup.find(c.secret);
    expect(s.calls).toEqual([]);
    await lookup.find(b.secret);
    expect(s.calls).toEqual([b.id]);
    for (let i = 0; i < 50; i++) await lookup.find(generateSecret().secret);
    expect(lookup.size).toBe(2);
    await lookup.close();
  });

  it('counts requests in memory, shows them at once, writes them in batches', async () => {
    const lookup = new CachedKeyLookup({ store, logger, cache, now, flushIntervalMs: 60_000 });
    const { id, secret } = await makeKey({ maxRequests: 3 });
    await lookup.find(secret);
    lookup.countRequest(id);
    lookup.countRequest(id);
    expect((await lookup.find(secret))?.requestCount).toBe(2);
    expect((await store.getKey(id))?.requestCount).toBe(0);
    await lookup.flush();
    expect((await store.getKey(id))?.requestCount).toBe(2);
    // After a re-read the flushed counts come from the store, not twice.
    clock += cache.ttlMs;
    lookup.countRequest(id);
    expect((await lookup.find(secret))?.requestCount).toBe(3);
    await lookup.close();
    expect((await store.getKey(id))?.requestCount).toBe(3);
  });

  it('close() writes pending counts; a failed write is retried, never dropped', async () => {
    const s = spy(store);
    const lookup = new CachedKeyLookup({ store: s.store, logger, cache, now, flushIntervalMs: 60_000 });
    const { id } = await makeKey();
    lookup.countRequest(id);
    s.failNextWrites(1);
    await expect(lookup.flush()).rejects.toThrow('database is down');
    lookup.countRequest(id);
    s.failNextWrites(1); // close retries once
    await lookup.close();
    expect((await store.getKey(id))?.requestCount).toBe(2);
  });

  it('unknown ids and wrong secrets take one code path through timingSafeEqual', () => {
    const source = readFileSync(new URL('./cached-key-lookup.ts', import.meta.url), 'utf8');
    const find = source.slice(source.indexOf('  async find('), source.indexOf('  countRequest('));
    // The comparison runs before any decision, against the record's hash or a dummy.
    expect(find).toMatch(/const match = hashesEqual\(presentedHash, record\?\.secretHash \?\? DUMMY_HASH\);\n\s*if \(!match \|\| !record/);
    expect(find.indexOf('hashesEqual(')).toBeLessThan(find.indexOf('return undefined'));
    expect(find.match(/return undefined/g)).toHaveLength(1);
    const keySecret = readFileSync(new URL('./key-secret.ts', import.meta.url), 'utf8');
    expect(keySecret).toMatch(/import \{[^}]*timingSafeEqual[^}]*\} from 'node:crypto'/);
  });
});
