/**
 * Revocation across replicas: two real service instances (each with its own gRPC ext_proc
 * server, admin port, access runtime and key cache, and its own PostgreSQL pool) share one
 * PostgreSQL database, as replicas of a deployment do. A key revoked through replica A's admin
 * API is refused by A at once and by B within `auth.cache.ttlMs`, driven with the official
 * OpenAI SDK through the Envoy-protocol harness in front of each replica.
 */
import { setTimeout as delay } from 'node:timers/promises';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { accessRuntimeFor } from '../../src/access/access-runtime.js';
import { parseConfig } from '../../src/config/load.js';
import { createTestSchema, type TestSchema } from '../support/postgres.js';
import { startService, type TestService } from '../support/service.js';
import { jsonReply, startSingleRoute, type SingleRoute } from '../support/single-route.js';
import { chatCompletionJson } from '../support/openai-bodies.js';

const TOKEN = 'replica-admin-token-5e6f';
/** Short, so the test is quick; long enough that a few local requests fit well inside it. */
const TTL_MS = 800;
/** Allowance past the TTL for the poll interval and one request's latency. */
const MARGIN_MS = 500;
const POLL_MS = 20;

const COMPLETION = chatCompletionJson({ id: 'chatcmpl-replica', model: 'gpt-4o-mini', usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });

const CONFIG = `
admin: { token: { env: ADMIN_TOKEN } }
auth:
  enabled: true
  store: { driver: postgres, url: { env: ACCESS_PG_URL } }
  cache: { ttlMs: ${TTL_MS}, negativeTtlMs: 100, maxEntries: 100 }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai }]
`;

/** One replica: the service and the harness + mock upstream in front of it. */
interface Replica {
  readonly svc: TestService;
  readonly route: SingleRoute;
}

let schema: TestSchema;
const replicas: Replica[] = [];

/** Starts a replica on the shared database, opening its store at start as `serve` does. */
async function startReplica(pgUrl: string): Promise<Replica> {
  const loaded = parseConfig(CONFIG, 'test config');
  const readEnv = (n: string): string | undefined => ({ ADMIN_TOKEN: TOKEN, ACCESS_PG_URL: pgUrl })[n];
  const access = accessRuntimeFor(loaded, { logger: pino({ level: 'silent' }), cwd: process.cwd(), readEnv });
  const svc = await startService({ loaded, readEnv, keys: access.keys, access });
  try {
    await access.store();
    const route = await startSingleRoute({ processorAddress: svc.target, handler: jsonReply(COMPLETION) });
    return { svc, route };
  } catch (err) {
    await svc.stop();
    throw err;
  }
}

beforeAll(async () => {
  schema = await createTestSchema();
  // Each replica gets its own pool on the test schema; the URL goes through the config as in production.
  const url = new URL(schema.url);
  url.searchParams.set('options', `-c search_path=${schema.schema}`);
  const started = await Promise.allSettled([startReplica(url.href), startReplica(url.href)]);
  for (const s of started) if (s.status === 'fulfilled') replicas.push(s.value);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
});

afterAll(async () => {
  for (const r of replicas) {
    await r.route.close();
    await r.svc.stop();
  }
  await schema?.drop();
});

async function admin(replica: Replica, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${replica.svc.adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** What one chat completion through a replica came to. */
type Outcome = { readonly status: 200 } | { readonly status: number; readonly type: string | undefined; readonly code: string | null | undefined; readonly message: string };

async function chat(replica: Replica, apiKey: string): Promise<Outcome> {
  const client = new OpenAI({ baseURL: `${replica.route.harness.url}/v1`, apiKey, maxRetries: 0 });
  try {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    expect(completion.choices[0]?.message.content).toBe('ok');
    return { status: 200 };
  } catch (err) {
    if (!(err instanceof OpenAI.APIError) || err.status === undefined) throw err;
    return { status: err.status, type: err.type, code: err.code, message: err.message };
  }
}

const REVOKED = { status: 403, type: 'permission_error', code: 'key_revoked' };

it('a key revoked through replica A is refused by A at once and by replica B within auth.cache.ttlMs', async () => {
  const [a, b] = replicas as [Replica, Replica];
  expect(a.svc.adminUrl).not.toBe(b.svc.adminUrl);
  expect(a.svc.target).not.toBe(b.svc.target);

  expect((await admin(a, 'POST', '/admin/projects', { name: 'replicated' })).status).toBe(201);
  const created = await admin(a, 'POST', '/admin/keys', { project: 'replicated', name: 'shared' });
  expect(created.status).toBe(201);
  const { key, secret } = created.body as { key: { id: string }; secret: string };
  // B sees A's writes: the store is shared.
  expect((await admin(b, 'GET', `/admin/keys/${key.id}`)).body.key).toMatchObject({ id: key.id, revoked: false });

  // Each replica looks the key up once and caches it as valid.
  const bWarmStart = Date.now();
  expect(await chat(b, secret)).toEqual({ status: 200 });
  const aWarmStart = Date.now();
  expect(await chat(a, secret)).toEqual({ status: 200 });
  expect(b.route.upstream.requests).toHaveLength(1);
  expect(a.route.upstream.requests).toHaveLength(1);

  const revokedAt = Date.now();
  const revoked = await admin(a, 'POST', `/admin/keys/${key.id}/revoke`);
  expect([revoked.status, revoked.body.key.revoked]).toEqual([200, true]);

  // A dropped its cache entry on the change: refused at once, well before its entry's TTL ran out.
  const onA = await chat(a, secret);
  expect(onA).toMatchObject(REVOKED);
  expect(Date.now() - aWarmStart).toBeLessThan(TTL_MS);

  // B learns of it only from the database, once its cached record expires: poll, bounded.
  const deadline = revokedAt + 5 * TTL_MS;
  let rejection: { outcome: Outcome; sentAt: number; doneAt: number } | undefined;
  let acceptedAfterRevoke = 0;
  while (!rejection && Date.now() < deadline) {
    const sentAt = Date.now();
    const outcome = await chat(b, secret);
    if (outcome.status === 200) {
      acceptedAfterRevoke += 1;
      await delay(POLL_MS);
    } else {
      rejection = { outcome, sentAt, doneAt: Date.now() };
    }
  }
  expect(rejection, `replica B still accepted the key ${Date.now() - revokedAt} ms after revocation`).toBeDefined();
  const { outcome, sentAt, doneAt } = rejection!;
  expect(outcome).toMatchObject(REVOKED);
  expect((outcome as { message: string }).message).toContain('revoked');
  expect((outcome as { message: string }).message).not.toContain(secret);
  // Within the TTL (plus a margin for one poll) of the revocation...
  expect(sentAt - revokedAt).toBeLessThanOrEqual(TTL_MS + MARGIN_MS);
  // ...and not before B's own cached record expired: B has its own cache, fed only by the database.
  expect(doneAt - bWarmStart).toBeGreaterThanOrEqual(TTL_MS);
  // Requests B let through meanwhile reached its upstream; none after the rejection.
  expect(b.route.upstream.requests).toHaveLength(1 + acceptedAfterRevoke);
  expect(await chat(b, secret)).toMatchObject(REVOKED);
  expect(b.route.upstream.requests).toHaveLength(1 + acceptedAfterRevoke);
  expect(a.route.upstream.requests).toHaveLength(1);

  // The raw reply B sends is in the OpenAI error shape, without the secret.
  const raw = await fetch(`${b.route.harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
  });
  expect(raw.status).toBe(403);
  const text = await raw.text();
  expect(JSON.parse(text)).toMatchObject({ error: { type: 'permission_error', code: 'key_revoked', message: expect.any(String) } });
  expect(text).not.toContain(secret);
  expect(a.route.harness.violations).toEqual([]);
  expect(b.route.harness.violations).toEqual([]);
});
