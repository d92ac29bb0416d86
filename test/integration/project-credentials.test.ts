/**
 * Provider credentials per project on the request path: the OpenAI and Anthropic SDKs through
 * the Envoy-protocol harness and the real service, gateway keys and sealed project credentials
 * in a SQLite key store, mock providers that record what they received. A key of a project with
 * its own credential reaches the provider with it; every other request with the backend's.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessRuntimeFor, type AccessRuntime } from '../../src/access/access-runtime.js';
import { CredentialCipher } from '../../src/access/credential-cipher.js';
import { generateSecret, hashSecret } from '../../src/access/key-secret.js';
import { loadConfigFile } from '../../src/config/load.js';
import { startHarness, type Harness } from '../harness/harness.js';
import { startMockUpstream, type MockUpstream, type RecordedRequest } from '../harness/mock-upstream.js';
import { loadCassette } from '../support/cassettes.js';
import { providerFixture } from '../support/provider-fixtures.js';
import { startService, type TestService } from '../support/service.js';

const TOKEN = 'project-creds-token-99';
const DATA_KEY = randomBytes(32);
const BACKEND = { openai: 'sk-backend-openai-1a2b', anthropic: 'sk-ant-backend-3c4d' };
const TEAM_A = { openai: 'sk-team-a-openai-5e6f', anthropic: 'sk-ant-team-a-7g8h' };

let dir: string;
let svc: TestService;
let access: AccessRuntime;
let harness: Harness;
const upstreams: Record<string, MockUpstream> = {};
const gatewayKeys: Record<string, string> = {};

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${svc.adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'project-creds-'));
  await writeFile(
    join(dir, 'config.yaml'),
    `admin: { token: { env: ADMIN_TOKEN } }
auth:
  enabled: true
  store: { driver: sqlite, path: gw.db }
  cache: { ttlMs: 60000, negativeTtlMs: 60000 }
  providerCredentials:
    dataKey: { id: k1, env: DATA_KEY }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai, auth: { apiKey: { key: ${BACKEND.openai} } } }]
  - name: anthropic
    headers: [{ name: x-ai-eg-model, prefix: "claude-" }]
    backends: [{ name: anthropic, schema: { name: Anthropic }, auth: { apiKey: { key: ${BACKEND.anthropic} } } }]
`,
  );
  const loaded = await loadConfigFile(join(dir, 'config.yaml'));
  const env: Record<string, string> = { ADMIN_TOKEN: TOKEN, DATA_KEY: DATA_KEY.toString('base64') };
  const readEnv = (n: string): string | undefined => env[n];
  access = accessRuntimeFor(loaded, { logger: pino({ level: 'silent' }), cwd: dir, readEnv });
  const store = await access.store();
  const change = { actor: 'test', at: Date.now() };
  for (const project of ['team-a', 'team-b']) {
    await store.createProject(project, change);
    const { id, secret } = generateSecret();
    await store.createKey({ id, project, name: 'ci', secretHash: hashSecret(secret), createdAt: change.at, expiresAt: null, maxRequests: null, allowedModels: [], allowedRules: [] }, change);
    gatewayKeys[project] = secret;
  }
  svc = await startService({ loaded, cwd: dir, readEnv, keys: access.keys, access });
  const chat = loadCassette('chat-basic').interactions[0]!.response.body;
  const reply = (body: string) => (_req: RecordedRequest, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  };
  upstreams['openai'] = await startMockUpstream({ handler: reply(chat) });
  upstreams['anthropic'] = await startMockUpstream({ handler: reply(providerFixture('anthropic-message.json').toString()) });
  harness = await startHarness({
    processorAddress: svc.target,
    mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
    allowModeOverride: true,
    routes: Object.keys(upstreams).map((r) => ({ header: 'x-ai-eg-selected-route', value: r, upstream: r })),
    upstreams,
  });
});

afterAll(async () => {
  await harness?.close();
  await Promise.all(Object.values(upstreams).map((u) => u.close()));
  await svc?.stop();
  await rm(dir, { recursive: true, force: true });
});

const openai = (project: string) => new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: gatewayKeys[project]!, maxRetries: 0 });
const chat = (project: string) => openai(project).chat.completions.create({ model: 'gpt-5-nano', messages: [{ role: 'user', content: 'Hi' }] });
const lastSeen = (name: string): RecordedRequest => upstreams[name]!.requests.at(-1)!;
const seenText = (r: RecordedRequest) => `${r.path}\n${JSON.stringify(r.headers)}\n${r.body.toString()}`;

describe('a project with its own provider credential', () => {
  it("reaches the provider with the project's credential; another project with the backend's", async () => {
    expect((await admin('PUT', '/admin/projects/team-a/credentials/openai', { secret: TEAM_A.openai })).status).toBe(200);
    await chat('team-a');
    expect(lastSeen('openai').headers['authorization']).toBe(`Bearer ${TEAM_A.openai}`);
    expect(seenText(lastSeen('openai'))).not.toContain(gatewayKeys['team-a']!);
    await chat('team-b');
    expect(lastSeen('openai').headers['authorization']).toBe(`Bearer ${BACKEND.openai}`);
    expect(harness.violations).toEqual([]);
  });

  it('is sent in the form of the backend schema (Anthropic x-api-key), through the Anthropic SDK', async () => {
    expect((await admin('PUT', '/admin/projects/team-a/credentials/anthropic', { secret: TEAM_A.anthropic })).status).toBe(200);
    const client = new Anthropic({ baseURL: harness.url, apiKey: gatewayKeys['team-a']!, maxRetries: 0 });
    await client.messages.create({ model: 'claude-gateway-test', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] });
    const seen = lastSeen('anthropic');
    expect(seen.headers['x-api-key']).toBe(TEAM_A.anthropic);
    expect(seen.headers['authorization']).toBeUndefined();
    expect(seenText(seen)).not.toContain(gatewayKeys['team-a']!);
  });

  it('removed through the admin API, the backend credential applies again at once', async () => {
    expect((await admin('DELETE', '/admin/projects/team-a/credentials/openai')).status).toBe(200);
    await chat('team-a');
    expect(lastSeen('openai').headers['authorization']).toBe(`Bearer ${BACKEND.openai}`);
  });

  it('a credential that does not decrypt refuses the request with 503, never the backend credential', async () => {
    const store = await access.store();
    const foreign = new CredentialCipher({ id: 'k0', key: randomBytes(32) }).seal('sk-unreadable', 'team-b', 'openai');
    await store.setProjectCredential('team-b', 'openai', foreign, { actor: 'test', at: Date.now() });
    access.invalidateProjectCredential('team-b', 'openai');
    const before = upstreams['openai']!.requests.length;
    const err = await chat('team-b').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(503);
    expect((err as InstanceType<typeof OpenAI.InternalServerError>).code).toBe('upstream_credential_unavailable');
    expect(upstreams['openai']!.requests.length).toBe(before);
    expect(svc.logText()).not.toContain('sk-unreadable');
    expect(svc.logText()).not.toContain(TEAM_A.openai);
  });
});
