/**
 * The admin API through the real service: admin HTTP server, access runtime over a SQLite file,
 * token from an environment variable, invalidation of the key cache, counts flushed on stop.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessRuntimeFor, type AccessRuntime } from '../../src/access/access-runtime.js';
import { createSqliteStore } from '../../src/access/sqlite-store.js';
import { parseConfig } from '../../src/config/load.js';
import type { LlmExtprocServer } from '../../src/server/service.js';
import { startService } from '../support/service.js';

const TOKEN = 'test-admin-token-1234';
let dir: string;
let dbFile: string;

async function start(yaml: string): Promise<{ server: LlmExtprocServer; access: AccessRuntime; url: string; stop(): Promise<void> }> {
  const loaded = parseConfig(yaml, 'test config');
  const readEnv = (n: string): string | undefined => (n === 'ADMIN_TOKEN' ? TOKEN : undefined);
  const access = accessRuntimeFor(loaded, { logger: pino({ level: 'silent' }), cwd: dir, readEnv });
  const svc = await startService({ loaded, cwd: dir, readEnv, keys: access.keys, access });
  return { server: svc.server, access, url: svc.adminUrl, stop: svc.stop };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'admin-api-'));
  dbFile = join(dir, 'keys.db');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('admin API on the admin port', () => {
  let svc: Awaited<ReturnType<typeof start>>;
  const call = async (method: string, path: string, body?: unknown, token: string | null = TOKEN) => {
    const res = await fetch(`${svc.url}${path}`, {
      method,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    svc = await start(`admin: { token: { env: ADMIN_TOKEN } }\nauth: { store: { driver: sqlite, path: ${JSON.stringify(dbFile)} } }\n`);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('refuses a missing or wrong token with 401 and WWW-Authenticate', async () => {
    for (const token of [null, 'wrong', TOKEN + 'x', '']) {
      const r = await call('GET', '/admin/keys', undefined, token);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('unauthorized');
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it('keeps the other admin routes as they were', async () => {
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${svc.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('manages projects and keys; the secret is shown once; the cache sees changes at once', async () => {
    expect((await call('POST', '/admin/projects', { name: 'team-a' })).status).toBe(201);
    expect((await call('POST', '/admin/projects', { name: 'team-a' })).status).toBe(409);
    expect((await call('POST', '/admin/projects', { name: 'bad name!' })).status).toBe(400);
    expect((await call('GET', '/admin/projects')).body.projects).toEqual([{ name: 'team-a', active: true, createdAt: expect.any(String), rateLimits: null }]);

    const created = await call('POST', '/admin/keys', { project: 'team-a', name: 'ci', allowedModels: ['gpt-*'], expiresIn: '30d', maxRequests: 100 });
    expect(created.status).toBe(201);
    const { key, secret } = created.body as { key: Record<string, unknown>; secret: string };
    expect(secret).toMatch(/^lxk_[0-9a-f]{16}_/);
    expect(key).toMatchObject({ project: 'team-a', name: 'ci', allowedModels: ['gpt-*'], revoked: false, maxRequests: 100, requestCount: 0 });
    expect(Date.parse(key['expiresAt'] as string) - Date.parse(key['createdAt'] as string)).toBe(30 * 86_400_000);
    const id = key['id'] as string;

    const got = await call('GET', `/admin/keys/${id}`);
    expect(got.body.key).toEqual(key);
    const listed = await call('GET', '/admin/keys?project=team-a');
    expect(listed.body.keys.map((k: { id: string }) => k.id)).toEqual([id]);
    expect(JSON.stringify([got.body, listed.body, (await call('GET', '/admin/audit')).body])).not.toContain(secret);

    expect(await svc.access.keys.find(secret)).toMatchObject({ id, revoked: false, projectActive: true });

    const patched = await call('PATCH', `/admin/keys/${id}`, { allowedModels: ['claude-*'], maxRequests: null, expiresAt: null });
    expect(patched.body.key).toMatchObject({ allowedModels: ['claude-*'], maxRequests: null, expiresAt: null, name: 'ci' });
    expect((await svc.access.keys.find(secret))?.allowedModels).toEqual(['claude-*']);

    expect((await call('POST', '/admin/projects/team-a/deactivate')).body.project.active).toBe(false);
    expect((await svc.access.keys.find(secret))?.projectActive).toBe(false);
    expect((await call('POST', '/admin/projects/team-a/activate')).body.project.active).toBe(true);

    expect((await call('POST', `/admin/keys/${id}/revoke`)).body.key.revoked).toBe(true);
    expect((await svc.access.keys.find(secret))?.revoked).toBe(true);

    const audit = await call('GET', `/admin/audit?target=key:${id}`);
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual(['key.revoke', 'key.update', 'key.create']);
    expect(audit.body.entries.every((e: { actor: string }) => e.actor === 'admin-api')).toBe(true);
    const projectAudit = await call('GET', '/admin/audit?target=project:team-a&limit=2');
    expect(projectAudit.body.entries.map((e: { action: string }) => e.action)).toEqual(['project.activate', 'project.deactivate']);
  });

  it('answers bad requests with clear errors, never a crash', async () => {
    expect((await call('GET', '/admin/keys/ffffffffffffffff')).status).toBe(404);
    expect((await call('PATCH', '/admin/keys/ffffffffffffffff', { name: 'x' })).status).toBe(404);
    expect((await call('POST', '/admin/keys/ffffffffffffffff/revoke')).status).toBe(404);
    expect((await call('POST', '/admin/projects/nope/activate')).status).toBe(404);
    expect((await call('POST', '/admin/keys', { project: 'nope', name: 'x' })).body.error.code).toBe('not_found');
    const bad = await call('POST', '/admin/keys', '{"project":');
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_json']);
    const unknownField = await call('POST', '/admin/keys', { project: 'team-a', name: 'x', secret: 'mine' });
    expect([unknownField.status, unknownField.body.error.code]).toEqual([400, 'invalid_request']);
    expect((await call('POST', '/admin/keys', { project: 'team-a', name: 'x', expiresIn: '1y' })).status).toBe(400);
    expect((await call('POST', '/admin/keys', { project: 'team-a', name: 'x', expiresIn: '1d', expiresAt: null })).status).toBe(400);
    expect((await call('GET', '/admin/audit?limit=0')).status).toBe(400);
    const wrongMethod = await call('DELETE', '/admin/keys');
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST, GET']);
    expect((await call('GET', '/admin/nothing')).status).toBe(404);
    expect((await call('GET', '/admin/keys/%E0%A4%A')).status).toBe(404);
    const huge = await call('POST', '/admin/projects', JSON.stringify({ name: 'x'.repeat(70_000) }));
    expect([huge.status, huge.body.error.code]).toEqual([413, 'body_too_large']);
  });

  it('stop() writes the request counts', async () => {
    const created = await call('POST', '/admin/keys', { project: 'team-a', name: 'counted' });
    const { key, secret } = created.body as { key: { id: string }; secret: string };
    expect(await svc.access.keys.find(secret)).toBeDefined();
    svc.access.keys.countRequest(key.id);
    svc.access.keys.countRequest(key.id);
    await svc.stop();
    const store = createSqliteStore(dbFile);
    try {
      expect((await store.getKey(key.id))?.requestCount).toBe(2);
    } finally {
      await store.close();
    }
  });
});

describe('admin API with an unreadable admin.token', () => {
  it('answers 503 naming where the token should come from, and logs it, until the file appears', async () => {
    const tokenFile = join(dir, 'admin-token');
    const svc = await startService({
      loaded: parseConfig(`admin: { token: { filename: ${JSON.stringify(tokenFile)} } }\nauth: { store: { driver: sqlite, path: ${JSON.stringify(join(dir, 'unreadable.db'))} } }\n`, 'test config'),
      cwd: dir,
      access: accessRuntimeFor(parseConfig(`auth: { store: { driver: sqlite, path: ${JSON.stringify(join(dir, 'unreadable.db'))} } }\n`, 'test config'), { logger: pino({ level: 'silent' }), cwd: dir }),
    });
    try {
      const r = await fetch(`${svc.adminUrl}/admin/keys`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(r.status).toBe(503);
      expect(((await r.json()) as { error: { code: string; message: string } }).error).toEqual({
        code: 'admin_token_unavailable',
        message: `admin.token (file ${tokenFile}) is configured but empty or unreadable`,
      });
      expect(svc.logText()).toContain('admin.token is configured but empty or unreadable');
      await import('node:fs/promises').then((fs) => fs.writeFile(tokenFile, `${TOKEN}\n`));
      const ok = await fetch(`${svc.adminUrl}/admin/keys`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
    } finally {
      await svc.stop();
    }
  });
});

describe('admin API without admin.token', () => {
  it('is off: 404 even with a token, and no store is opened', async () => {
    const file = join(dir, 'never.db');
    const svc = await start(`auth: { store: { driver: sqlite, path: ${JSON.stringify(file)} } }\n`);
    try {
      const r = await fetch(`${svc.url}/admin/keys`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(r.status).toBe(404);
      expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/admin\.token/);
    } finally {
      await svc.stop();
    }
    await expect(import('node:fs/promises').then((fs) => fs.stat(file))).rejects.toThrow();
  });
});
