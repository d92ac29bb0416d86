import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { CredentialUnavailableError } from '../credentials/backend-credential.js';
import { SecretFiles } from '../credentials/secret-files.js';
import { UpstreamCredentials } from '../credentials/upstream-credentials.js';
import { CredentialCipher } from './credential-cipher.js';
import { upstreamCredentialChanges } from '../credentials/project-credential.js';
import { ProjectCredentialLookup, reencryptProjectCredentials, setProjectCredential } from './project-credentials.js';
import { createSqliteStore } from './sqlite-store.js';
import type { AccessStore } from './store.js';

const logger = pino({ level: 'silent' });
const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const change = { actor: 'test', at: 1_700_000_000_000 };
const cache = { ttlMs: 60_000, negativeTtlMs: 60_000, maxEntries: 100 };

let dir: string;
let store: AccessStore;
const files = new SecretFiles({ logger });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'project-creds-'));
  store = createSqliteStore(join(dir, 'store.db'));
  await store.migrate();
  await store.createProject('team-a', change);
  await store.createProject('team-b', change);
});
afterAll(async () => {
  files.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const lookupWith = (cipher: CredentialCipher, opts: { now?: () => number } = {}) =>
  new ProjectCredentialLookup({ store: async () => store, cipher: async () => cipher, cache, logger, ...opts });

describe('ProjectCredentialLookup', () => {
  it('answers the project credential for a provider, or none, and caches rows until invalidated', async () => {
    const cipher = new CredentialCipher(k1);
    await setProjectCredential(store, cipher, { project: 'team-a', provider: 'openai', secret: 'sk-team-a' }, change);
    const lookup = lookupWith(cipher);
    expect(await lookup.find('team-a', 'openai')).toBe('sk-team-a');
    expect(await lookup.find('team-a', 'anthropic')).toBeUndefined();
    expect(await lookup.find('team-b', 'openai')).toBeUndefined();
    // Changed behind the cache's back: the cached answer holds until invalidated (or its TTL).
    await setProjectCredential(store, cipher, { project: 'team-b', provider: 'openai', secret: 'sk-team-b' }, change);
    expect(await lookup.find('team-b', 'openai')).toBeUndefined();
    lookup.invalidate('team-b', 'openai');
    expect(await lookup.find('team-b', 'openai')).toBe('sk-team-b');
    await store.removeProjectCredential('team-b', 'openai', change);
    lookup.invalidate('team-b');
    expect(await lookup.find('team-b', 'openai')).toBeUndefined();
  });

  it('shares one store read among concurrent lookups of one row', async () => {
    let reads = 0;
    const counting = new ProjectCredentialLookup({
      store: async () => ({ ...store, getProjectCredential: (p: string, x: string) => (reads++, store.getProjectCredential(p, x)) }) as AccessStore,
      cipher: async () => new CredentialCipher(k1),
      cache,
      logger,
    });
    const found = await Promise.all(Array.from({ length: 10 }, () => counting.find('team-a', 'openai')));
    expect(found).toEqual(Array(10).fill('sk-team-a'));
    expect(reads).toBe(1);
  });

  it('sees changes made elsewhere once the TTL has passed', async () => {
    let now = 0;
    const cipher = new CredentialCipher(k1);
    const lookup = lookupWith(cipher, { now: () => now });
    expect(await lookup.find('team-b', 'gemini')).toBeUndefined();
    await setProjectCredential(store, cipher, { project: 'team-b', provider: 'gemini', secret: 'g-team-b' }, change);
    now += cache.negativeTtlMs - 1;
    expect(await lookup.find('team-b', 'gemini')).toBeUndefined();
    now += 2;
    expect(await lookup.find('team-b', 'gemini')).toBe('g-team-b');
  });

  it('refuses, never falls back, when the credential does not open or the store is down', async () => {
    const lookup = lookupWith(new CredentialCipher(k2));
    await expect(lookup.find('team-a', 'openai')).rejects.toBeInstanceOf(CredentialUnavailableError);
    await expect(lookup.find('team-a', 'openai')).rejects.toThrow(/data key "k1"/);
    const down = new ProjectCredentialLookup({ store: () => Promise.reject(new Error('ECONNREFUSED')), cipher: async () => new CredentialCipher(k1), cache, logger });
    await expect(down.find('team-a', 'openai')).rejects.toThrow(/key store cannot be read/);
    const noKey = new ProjectCredentialLookup({ store: async () => store, cipher: () => Promise.reject(new Error('no file')), cache, logger });
    await expect(noKey.find('team-a', 'openai')).rejects.toThrow(/data key unavailable/);
  });
});

describe('upstreamCredentialChanges', () => {
  const config = parseConfig(
    `rules:
  - name: openai
    backends: [{ name: openai, auth: { apiKey: { key: sk-backend } } }]
  - name: claude
    backends: [{ name: anthropic, schema: { name: Anthropic } }]
`,
    'test',
  ).config;
  const credentials = new UpstreamCredentials(config, { files, readEnv: () => undefined, logger });
  const req = { method: 'POST', path: '/v1/chat/completions', headers: { authorization: 'Bearer lxk_gateway' }, body: Buffer.from('{}') };

  it("sends the project's credential for its provider, the backend's to everyone else", async () => {
    const projects = lookupWith(new CredentialCipher(k1));
    expect((await upstreamCredentialChanges(credentials, projects, { req, backend: 'openai', strip: true, project: 'team-a' })).set).toEqual([['authorization', 'Bearer sk-team-a']]);
    expect((await upstreamCredentialChanges(credentials, projects, { req, backend: 'openai', strip: true, project: 'team-b' })).set).toEqual([['authorization', 'Bearer sk-backend']]);
    expect((await upstreamCredentialChanges(credentials, projects, { req, backend: 'openai', strip: true, project: undefined })).set).toEqual([['authorization', 'Bearer sk-backend']]);
    expect((await upstreamCredentialChanges(credentials, undefined, { req, backend: 'openai', strip: true, project: 'team-a' })).set).toEqual([['authorization', 'Bearer sk-backend']]);
    // Backend unknown (several backends, Envoy picks): the project credential cannot be placed.
    expect(await upstreamCredentialChanges(credentials, projects, { req, backend: undefined, strip: true, project: 'team-a' })).toEqual({ set: [], remove: ['authorization'] });
  });

  it('gives a backend without credential of its own the project credential in its schema', async () => {
    const cipher = new CredentialCipher(k1);
    await setProjectCredential(store, cipher, { project: 'team-a', provider: 'anthropic', secret: 'ant-team-a' }, change);
    const changes = await upstreamCredentialChanges(credentials, lookupWith(cipher), { req, backend: 'anthropic', strip: true, project: 'team-a' });
    expect(changes).toEqual({ set: [['x-api-key', 'ant-team-a'], ['anthropic-version', '2023-06-01']], remove: ['authorization'] });
  });
});

describe('reencryptProjectCredentials', () => {
  it('moves every credential to the current data key; the old key can then be dropped', async () => {
    const old = new CredentialCipher(k1);
    const rotated = new CredentialCipher(k2, new Map([[k1.id, k1.key]]));
    // Before: readable with the rotated keyring (old key kept for decryption).
    expect(await lookupWith(rotated).find('team-a', 'openai')).toBe('sk-team-a');
    // A row under a key nobody has: reported, left alone.
    await store.setProjectCredential('team-b', 'lost', new CredentialCipher({ id: 'k0', key: randomBytes(32) }).seal('x', 'team-b', 'lost'), change);
    const result = await reencryptProjectCredentials(store, rotated, { actor: 'cli:ops', at: change.at + 1 });
    expect(result).toEqual({ reencrypted: 3, skipped: 0, unreadable: [{ project: 'team-b', provider: 'lost', keyId: 'k0' }] });
    expect((await store.listProjectCredentials()).filter((c) => c.provider !== 'lost').every((c) => c.keyId === 'k2')).toBe(true);
    const onlyNew = lookupWith(new CredentialCipher(k2));
    expect(await onlyNew.find('team-a', 'openai')).toBe('sk-team-a');
    expect(await onlyNew.find('team-b', 'gemini')).toBe('g-team-b');
    await expect(lookupWith(old).find('team-a', 'openai')).rejects.toThrow(/data key "k2"/);
    expect(await reencryptProjectCredentials(store, rotated, change)).toMatchObject({ reencrypted: 0, skipped: 0 });
    expect((await store.listAudit({ target: 'project:team-a' }))[0]).toMatchObject({ action: 'project_credential.reencrypt', actor: 'cli:ops' });
  });
});
