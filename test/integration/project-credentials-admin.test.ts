/**
 * Provider credentials per project through the admin API of the real service: set, list and
 * remove (audited, the value never returned), the lookup the credentials step asks sees changes
 * at once, and the value appears in no answer, no log line and no /debug page.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessRuntimeFor, type AccessRuntime } from '../../src/access/access-runtime.js';
import { loadConfigFile } from '../../src/config/load.js';
import { startService, type TestService } from '../support/service.js';

const TOKEN = 'project-creds-admin-token';
const SECRET = 'sk-team-a-own-key-4242';
const DATA_KEY = randomBytes(32).toString('base64');

let dir: string;
let svc: TestService;
let access: AccessRuntime;
const bodies: string[] = [];

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${svc.adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  bodies.push(text);
  return { status: res.status, body: JSON.parse(text) as Record<string, any> };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'project-creds-admin-'));
  await writeFile(
    join(dir, 'config.yaml'),
    `admin: { token: { env: ADMIN_TOKEN }, debug: true }
auth:
  store: { driver: sqlite, path: gw.db }
  providerCredentials:
    dataKey: { id: k1, env: LLM_EXTPROC_DATA_KEY }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai }]
`,
  );
  const loaded = await loadConfigFile(join(dir, 'config.yaml'));
  const env: Record<string, string> = { ADMIN_TOKEN: TOKEN, LLM_EXTPROC_DATA_KEY: DATA_KEY };
  const readEnv = (n: string): string | undefined => env[n];
  access = accessRuntimeFor(loaded, { logger: pino({ level: 'silent' }), cwd: dir, readEnv });
  svc = await startService({ loaded, cwd: dir, readEnv, keys: access.keys, access });
});

afterAll(async () => {
  await svc?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('project credentials in the admin API', () => {
  it('sets a credential, shows where it is but never its value, and the lookup answers it at once', async () => {
    expect((await call('POST', '/admin/projects', { name: 'team-a' })).status).toBe(201);
    expect(await access.projectCredentials!.find('team-a', 'openai')).toBeUndefined();
    const set = await call('PUT', '/admin/projects/team-a/credentials/openai', { secret: SECRET });
    expect(set).toEqual({ status: 200, body: { credential: { project: 'team-a', provider: 'openai', keyId: 'k1', createdAt: expect.any(String), updatedAt: expect.any(String) } } });
    // The cached "none" was dropped by the change: the credentials step sees it now.
    expect(await access.projectCredentials!.find('team-a', 'openai')).toBe(SECRET);
    const listed = await call('GET', '/admin/projects/team-a/credentials');
    expect(listed.body['credentials']).toEqual([set.body['credential']]);
    const audit = await call('GET', '/admin/audit?target=project:team-a');
    expect(audit.body['entries'][0]).toMatchObject({ actor: 'admin-api', action: 'project_credential.set', before: null, after: { provider: 'openai', keyId: 'k1' } });
  });

  it('refuses bad input and unknown projects', async () => {
    expect((await call('PUT', '/admin/projects/team-a/credentials/openai', { secret: 'two\nlines' })).status).toBe(400);
    expect((await call('PUT', '/admin/projects/team-a/credentials/openai', { secret: '' })).status).toBe(400);
    expect((await call('PUT', '/admin/projects/team-a/credentials/openai', { secret: SECRET, extra: 1 })).status).toBe(400);
    expect((await call('PUT', '/admin/projects/team-a/credentials/bad%20name', { secret: SECRET })).status).toBe(400);
    expect((await call('PUT', '/admin/projects/team-z/credentials/openai', { secret: SECRET })).status).toBe(404);
    expect((await call('GET', '/admin/projects/team-z/credentials')).status).toBe(404);
    expect((await call('PATCH', '/admin/projects/team-a/credentials/openai', {})).status).toBe(405);
  });

  it('removes it (audited); the lookup answers none at once', async () => {
    const removed = await call('DELETE', '/admin/projects/team-a/credentials/openai');
    expect(removed.status).toBe(200);
    expect(removed.body['credential']).toMatchObject({ project: 'team-a', provider: 'openai' });
    expect(await access.projectCredentials!.find('team-a', 'openai')).toBeUndefined();
    expect((await call('DELETE', '/admin/projects/team-a/credentials/openai')).status).toBe(404);
    expect((await call('GET', '/admin/audit?target=project:team-a')).body['entries'][0]).toMatchObject({ action: 'project_credential.remove', after: null });
  });

  it('never shows the value or the data key: admin answers, /debug pages, logs', async () => {
    for (const page of ['/debug/config', '/debug/status', '/debug/rules']) {
      const res = await fetch(`${svc.adminUrl}${page}`);
      expect(res.status).toBe(200);
      bodies.push(await res.text());
    }
    const config = JSON.parse(bodies.at(-3)!) as { config: { auth: { providerCredentials: unknown } } };
    expect(config.config.auth.providerCredentials).toEqual({ dataKey: { id: 'k1', env: 'LLM_EXTPROC_DATA_KEY' }, previousDataKeys: [] });
    const everything = bodies.join('\n') + svc.logText();
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(DATA_KEY);
  });
});

describe('project credentials off', () => {
  it('answers 404 provider_credentials_off when no data key is configured', async () => {
    const offDir = await mkdtemp(join(tmpdir(), 'project-creds-off-'));
    await writeFile(join(offDir, 'config.yaml'), 'admin: { token: { env: ADMIN_TOKEN } }\nauth: { store: { driver: sqlite, path: gw.db } }\n');
    const loaded = await loadConfigFile(join(offDir, 'config.yaml'));
    const readEnv = (n: string): string | undefined => (n === 'ADMIN_TOKEN' ? TOKEN : undefined);
    const offAccess = accessRuntimeFor(loaded, { logger: pino({ level: 'silent' }), cwd: offDir, readEnv });
    const off = await startService({ loaded, cwd: offDir, readEnv, keys: offAccess.keys, access: offAccess });
    try {
      await fetch(`${off.adminUrl}/admin/projects`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{"name":"team-a"}' });
      const res = await fetch(`${off.adminUrl}/admin/projects/team-a/credentials/openai`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ secret: SECRET }) });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('provider_credentials_off');
    } finally {
      await off.stop();
      await rm(offDir, { recursive: true, force: true });
    }
  });
});
