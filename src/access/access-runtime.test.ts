import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { AccessRuntime, accessRuntimeFor, keyLookupFor, needsAccessStore } from './access-runtime.js';
import { ExternalKeyLookup } from './external-key-lookup.js';
import { generateSecret, hashSecret } from './key-secret.js';
import { createSqliteStore } from './sqlite-store.js';
import type { AccessStore } from './store.js';

const logger = pino({ level: 'silent' });
const cache = { ttlMs: 5000, negativeTtlMs: 1000, maxEntries: 10 };
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'access-runtime-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('needsAccessStore', () => {
  it.each([
    ['', false],
    ['auth: { enabled: true }', true],
    ['admin: { token: { key: t } }', true],
    ['rules: [{ name: r, access: { required: true }, backends: [{ name: b }] }]', true],
    ['rules: [{ name: r, access: { required: false }, backends: [{ name: b }] }]', false],
    ['auth: { enabled: true, external: { url: "http://127.0.0.1:1/v" } }', false],
    ['auth: { external: { url: "http://127.0.0.1:1/v" } }\nrules: [{ name: r, access: { required: true }, backends: [{ name: b }] }]', false],
    ['auth: { enabled: true, external: { url: "http://127.0.0.1:1/v" } }\nledger: { enabled: true }', true],
    ['auth: { providerCredentials: { dataKey: { id: k1, env: DATA_KEY } } }', true],
  ])('%j → %s', (yaml, expected) => {
    expect(needsAccessStore(parseConfig(yaml || '{}', 'test').config)).toBe(expected);
  });
});

describe('keyLookupFor', () => {
  it('is the store lookup unless auth.external names a key service', () => {
    const sources = { logger, cwd: dir };
    const store = parseConfig('auth: { enabled: true }', 'test');
    const runtime = accessRuntimeFor(store, sources);
    expect(keyLookupFor(store, runtime, sources)).toBe(runtime.keys);
    const external = parseConfig('auth: { enabled: true, external: { url: "http://127.0.0.1:1/v" } }', 'test');
    expect(keyLookupFor(external, accessRuntimeFor(external, sources), sources)).toBeInstanceOf(ExternalKeyLookup);
  });

  it('builds the project credential lookup only with a data key, and reads the key once', async () => {
    expect(accessRuntimeFor(parseConfig('{}', 'test'), { logger, cwd: dir }).projectCredentials).toBeUndefined();
    await expect(accessRuntimeFor(parseConfig('{}', 'test'), { logger, cwd: dir }).cipher()).rejects.toThrow(/not configured/);
    let reads = 0;
    const key = Buffer.alloc(32, 7).toString('base64');
    const loaded = parseConfig('auth: { providerCredentials: { dataKey: { id: k1, env: DATA_KEY } } }', 'test');
    const runtime = accessRuntimeFor(loaded, { logger, cwd: dir, readEnv: (n) => (n === 'DATA_KEY' ? (reads++, key) : undefined) });
    expect(runtime.projectCredentials).toBeDefined();
    expect((await runtime.cipher()).currentKeyId).toBe('k1');
    await runtime.cipher();
    expect(reads).toBe(1);
    const missing = accessRuntimeFor(loaded, { logger, cwd: dir, readEnv: () => undefined });
    await expect(missing.cipher()).rejects.toThrow(/DATA_KEY is unset/);
  });
});

describe('AccessRuntime', () => {
  it('opens the store once, on first need; a failed open is retried', async () => {
    let opens = 0;
    let fail = true;
    const file = join(dir, 'k.db');
    const runtime = new AccessRuntime({
      open: async () => {
        opens += 1;
        if (fail) throw new Error('not yet');
        const s = createSqliteStore(file);
        await s.migrate();
        return s;
      },
      cache,
      logger,
    });
    expect(opens).toBe(0);
    await expect(runtime.keys.find('lxk_x')).rejects.toThrow('not yet');
    fail = false;
    const [a, b] = await Promise.all([runtime.store(), runtime.store()]);
    expect(a).toBe(b);
    expect(opens).toBe(2);
    expect(await runtime.keys.find(generateSecret().secret)).toBeUndefined();
    await runtime.close();
    await expect(runtime.store()).rejects.toThrow(/closed/);
  });

  it('counts through keys, invalidates, and close() flushes the counts', async () => {
    const file = join(dir, 'rel', 'k.db');
    const runtime = accessRuntimeFor(parseConfig('auth: { store: { driver: sqlite, path: rel/k.db } }', 'embedded default'), { logger, cwd: dir });
    const store: AccessStore = await runtime.store();
    await store.createProject('p', { actor: 't', at: 1 });
    const { id, secret } = generateSecret();
    await store.createKey({ id, project: 'p', name: 'n', secretHash: hashSecret(secret), createdAt: 1, expiresAt: null, maxRequests: null, allowedModels: [], allowedRules: [] }, { actor: 't', at: 1 });
    expect(await runtime.keys.find(secret)).toMatchObject({ id, revoked: false });
    await store.revokeKey(id, { actor: 't', at: 2 });
    runtime.invalidateKey(id);
    expect(await runtime.keys.find(secret)).toMatchObject({ revoked: true });
    runtime.keys.countRequest(id);
    await runtime.close();
    const check = createSqliteStore(file);
    try {
      expect((await check.getKey(id))?.requestCount).toBe(1);
    } finally {
      await check.close();
    }
  });

  it('close() without an opened store opens nothing', async () => {
    let opens = 0;
    const runtime = new AccessRuntime({ open: async () => (opens++, createSqliteStore(join(dir, 'never.db'))), cache, logger });
    runtime.keys.countRequest('nothing');
    runtime.invalidateAll();
    await runtime.close();
    expect(opens).toBe(0);
  });
});
