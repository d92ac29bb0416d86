/**
 * The shared test suite every {@link AccessStore} must pass: call
 * `accessStoreContract(name, factory)` inside a vitest file. `factory` gives a fresh, empty,
 * migrated-or-not store and a cleanup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret, hashSecret } from './key-secret.js';
import { MIGRATIONS } from '../storage/migrations.js';
import { StoreError, type AccessStore, type NewKey } from './store.js';

/** A store under test and how to remove it. */
export interface StoreUnderTest {
  readonly store: AccessStore;
  /** Opens a second store on the same database (another process or replica). */
  reopen(): Promise<AccessStore>;
  cleanup(): Promise<void>;
}

const T0 = 1_700_000_000_000;

function newKey(project: string, overrides: Partial<NewKey> = {}): NewKey & { secret: string } {
  const { id, secret } = generateSecret();
  return {
    id,
    secret,
    project,
    name: 'k',
    secretHash: hashSecret(secret),
    createdAt: T0,
    expiresAt: null,
    maxRequests: null,
    allowedModels: [],
    allowedRules: [],
    ...overrides,
  };
}

/** Registers the contract tests for the store `factory` opens. */
export function accessStoreContract(name: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`AccessStore contract: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: AccessStore;
    const actor = { actor: 'test', at: T0 };

    beforeAll(async () => {
      sut = await factory();
      store = sut.store;
    });
    afterAll(async () => {
      await sut?.cleanup();
    });

    it('migrates to the latest version, and again is a no-op', async () => {
      const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
      expect(await store.migrate()).toBe(latest);
      expect(await store.migrate()).toBe(latest);
      const other = await sut.reopen();
      try {
        expect(await other.migrate()).toBe(latest);
      } finally {
        await other.close();
      }
    });

    it('creates, lists and (de)activates projects; duplicates conflict', async () => {
      expect(await store.createProject('alpha', actor)).toEqual({ name: 'alpha', active: true, createdAt: T0, rateLimits: null });
      await store.createProject('beta', actor);
      await expect(store.createProject('alpha', actor)).rejects.toMatchObject({ name: 'StoreError', code: 'conflict' });
      expect((await store.listProjects()).map((p) => p.name)).toEqual(['alpha', 'beta']);
      expect(await store.setProjectActive('beta', false, actor)).toMatchObject({ name: 'beta', active: false });
      expect(await store.getProject('beta')).toMatchObject({ active: false });
      expect(await store.setProjectActive('nope', false, actor)).toBeUndefined();
      expect(await store.getProject('nope')).toBeUndefined();
    });

    it('stores a key without its secret and finds it with its hash and project state', async () => {
      const k = newKey('alpha', { name: 'ci', expiresAt: T0 + 1000, maxRequests: 5, allowedModels: ['gpt-*'], allowedRules: ['openai'] });
      const stored = await store.createKey(k, actor);
      expect(stored).toEqual({
        id: k.id,
        project: 'alpha',
        name: 'ci',
        createdAt: T0,
        expiresAt: T0 + 1000,
        revoked: false,
        maxRequests: 5,
        requestCount: 0,
        allowedModels: ['gpt-*'],
        allowedRules: ['openai'],
        rateLimits: null,
      });
      expect(JSON.stringify(stored)).not.toContain(k.secret);
      expect(await store.getKey(k.id)).toEqual(stored);
      expect(await store.findKeyForLookup(k.id)).toEqual({ key: stored, projectActive: true, projectRateLimits: null, secretHash: hashSecret(k.secret) });
      expect(await store.findKeyForLookup('0000000000000000')).toBeUndefined();
    });

    it('refuses a key for a missing project and a duplicate id', async () => {
      await expect(store.createKey(newKey('missing'), actor)).rejects.toBeInstanceOf(StoreError);
      await expect(store.createKey(newKey('missing'), actor)).rejects.toMatchObject({ code: 'not_found' });
      const k = newKey('alpha');
      await store.createKey(k, actor);
      await expect(store.createKey({ ...k, name: 'again' }, actor)).rejects.toMatchObject({ code: 'conflict' });
    });

    it('lists keys, by project too', async () => {
      const b = newKey('beta', { createdAt: T0 + 5 });
      await store.createKey(b, actor);
      const all = await store.listKeys();
      expect(all.length).toBeGreaterThanOrEqual(3);
      expect((await store.listKeys({ project: 'beta' })).map((k) => k.id)).toEqual([b.id]);
      expect(await store.findKeyForLookup(b.id)).toMatchObject({ projectActive: false });
    });

    it('updates only the given fields; revokes idempotently', async () => {
      const k = newKey('alpha');
      await store.createKey(k, actor);
      const updated = await store.updateKey(k.id, { name: 'renamed', allowedModels: ['claude-*'], maxRequests: 10 }, actor);
      expect(updated).toMatchObject({ name: 'renamed', allowedModels: ['claude-*'], maxRequests: 10, expiresAt: null, allowedRules: [] });
      expect(await store.updateKey(k.id, { maxRequests: null, expiresAt: T0 + 9 }, actor)).toMatchObject({ maxRequests: null, expiresAt: T0 + 9, name: 'renamed' });
      expect(await store.updateKey('ffffffffffffffff', { name: 'x' }, actor)).toBeUndefined();
      expect(await store.revokeKey(k.id, actor)).toMatchObject({ revoked: true });
      expect(await store.revokeKey(k.id, actor)).toMatchObject({ revoked: true });
      expect(await store.revokeKey('ffffffffffffffff', actor)).toBeUndefined();
      expect((await store.findKeyForLookup(k.id))?.key.revoked).toBe(true);
    });

    it('keeps a key’s and a project’s own rate limits, audited, and hands them to the lookup', async () => {
      const k = newKey('alpha');
      await store.createKey({ ...k, rateLimits: { requestsPerMinute: 60 } }, actor);
      expect(await store.getKey(k.id)).toMatchObject({ rateLimits: { requestsPerMinute: 60 } });
      expect(await store.updateKey(k.id, { rateLimits: { tokensPerMinute: 9000 } }, actor)).toMatchObject({ rateLimits: { tokensPerMinute: 9000 } });
      expect(await store.setProjectRateLimits('alpha', { requestsPerMinute: 600, tokensPerMinute: 100000 }, actor)).toMatchObject({ name: 'alpha', rateLimits: { requestsPerMinute: 600, tokensPerMinute: 100000 } });
      expect(await store.findKeyForLookup(k.id)).toMatchObject({ key: { rateLimits: { tokensPerMinute: 9000 } }, projectRateLimits: { requestsPerMinute: 600, tokensPerMinute: 100000 } });
      expect(await store.setProjectRateLimits('alpha', null, actor)).toMatchObject({ rateLimits: null });
      expect(await store.updateKey(k.id, { rateLimits: null }, actor)).toMatchObject({ rateLimits: null });
      expect(await store.setProjectRateLimits('nope', null, actor)).toBeUndefined();
      expect((await store.listAudit({ target: 'project:alpha' })).map((e) => e.action)).toContain('project.rate_limits');
    });

    it('adds request counts in batches; unknown ids are ignored', async () => {
      const k = newKey('alpha');
      await store.createKey(k, actor);
      await store.addRequestCounts(new Map([[k.id, 3], ['ffffffffffffffff', 2]]));
      await store.addRequestCounts(new Map([[k.id, 4]]));
      await store.addRequestCounts(new Map());
      expect((await store.getKey(k.id))?.requestCount).toBe(7);
    });

    it('audits every change, newest first, without secrets or hashes', async () => {
      const k = newKey('alpha', { name: 'audited' });
      await store.createKey(k, { actor: 'cli:ann', at: T0 + 100 });
      await store.revokeKey(k.id, { actor: 'admin-api', at: T0 + 200 });
      const entries = await store.listAudit({ target: `key:${k.id}` });
      expect(entries.map((e) => [e.action, e.actor, e.at])).toEqual([
        ['key.revoke', 'admin-api', T0 + 200],
        ['key.create', 'cli:ann', T0 + 100],
      ]);
      expect(entries[0]).toMatchObject({ before: { revoked: false, name: 'audited' }, after: { revoked: true } });
      expect(entries[1]!.before).toBeNull();
      const all = await store.listAudit({ limit: 1000 });
      const text = JSON.stringify(all);
      expect(text).not.toContain(k.secret);
      expect(text).not.toContain(hashSecret(k.secret));
      expect(all.map((e) => e.action)).toEqual(expect.arrayContaining(['project.create', 'project.deactivate', 'key.create', 'key.update', 'key.revoke']));
      const page = await store.listAudit({ limit: 2 });
      expect(page).toHaveLength(2);
      const next = await store.listAudit({ limit: 2, beforeId: page[1]!.id });
      expect(next[0]!.id).toBeLessThan(page[1]!.id);
    });

    it('a failed change writes neither the change nor its audit entry', async () => {
      const before = (await store.listAudit({ limit: 1000 })).length;
      await expect(store.createProject('alpha', actor)).rejects.toThrow();
      await expect(store.createKey(newKey('missing'), actor)).rejects.toThrow();
      expect((await store.listAudit({ limit: 1000 })).length).toBe(before);
    });

    it('a second connection sees changes at once', async () => {
      const other = await sut.reopen();
      try {
        await other.migrate();
        const k = newKey('alpha');
        await other.createKey(k, actor);
        expect(await store.getKey(k.id)).toMatchObject({ id: k.id });
        await store.revokeKey(k.id, actor);
        expect((await other.findKeyForLookup(k.id))?.key.revoked).toBe(true);
      } finally {
        await other.close();
      }
    });
  });
}
