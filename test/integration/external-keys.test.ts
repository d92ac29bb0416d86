/**
 * Gateway keys validated by an external HTTP service (`auth.external`) end to end: the OpenAI
 * SDK through the Envoy-protocol harness and the real service, with the key lookup chosen the
 * way `serve` chooses it (`keyLookupFor`), a real key service on a loopback port, and the
 * ledger recording the project and key identity the service answered.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessRuntimeFor, keyLookupFor, type AccessRuntime } from '../../src/access/access-runtime.js';
import { ExternalKeyLookup } from '../../src/access/external-key-lookup.js';
import { parseConfig } from '../../src/config/load.js';
import { sqlDbOf } from '../../src/ledger/open-ledger.js';
import { closeServer, listenOnLoopback } from '../support/listen.js';
import { chatCompletionJson } from '../support/openai-bodies.js';
import { jsonReply, startSingleRoute, type SingleRoute } from '../support/single-route.js';
import { startService, type TestService } from '../support/service.js';

const SERVICE_TOKEN = 'key-service-token-77';
const KEYS: Record<string, unknown> = {
  'ext-team-a-key': { allowed: true, project: 'team-a', keyId: 'ext-a-1', name: 'ci', allowedModels: ['gpt-*'] },
  'ext-revoked-key': { allowed: false, reason: 'revoked' },
};

let dir: string;
let keyService: Server;
let keyServiceUrl: string;
let down = false;
const asked: Array<{ key: string; authorization: string | undefined }> = [];
let svc: TestService;
let access: AccessRuntime;
let route: SingleRoute;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'external-keys-'));
  keyService = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { key } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { key: string };
      asked.push({ key, authorization: req.headers.authorization });
      if (down) return void res.writeHead(502).end();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(KEYS[key] ?? { allowed: false }));
    });
  });
  keyServiceUrl = await listenOnLoopback(keyService);
  const yaml = `
auth:
  enabled: true
  store: { driver: sqlite, path: ${JSON.stringify(join(dir, 'gw.db'))} }
  external:
    url: ${keyServiceUrl}/v1/validate
    token: { env: KEY_SERVICE_TOKEN }
    timeoutMs: 10000
    cache: { ttlMs: 60000, negativeTtlMs: 0 }
ledger: { enabled: true, spillPath: ${JSON.stringify(join(dir, 'ledger.jsonl'))}, flushIntervalMs: 3600000, budgetSyncIntervalMs: 3600000 }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai }]
  - name: selfhosted
    headers: [{ name: x-ai-eg-model, prefix: "llama-" }]
    backends: [{ name: vllm }]
`;
  const loaded = parseConfig(yaml, join(dir, 'config.yaml'));
  const readEnv = (n: string): string | undefined => (n === 'KEY_SERVICE_TOKEN' ? SERVICE_TOKEN : undefined);
  const sources = { logger: pino({ level: 'silent' }), cwd: dir, readEnv };
  access = accessRuntimeFor(loaded, sources);
  const keys = keyLookupFor(loaded, access, sources);
  expect(keys).toBeInstanceOf(ExternalKeyLookup);
  svc = await startService({
    loaded,
    cwd: dir,
    readEnv,
    keys,
    access,
    ledgerDb: async () => sqlDbOf(await access.store()),
  });
  route = await startSingleRoute({
    processorAddress: svc.target,
    handler: jsonReply(chatCompletionJson({ id: 'chatcmpl-ext-1', model: 'gpt-4o-mini', content: 'hi', usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } })),
  });
});

afterAll(async () => {
  await route?.close();
  await svc?.stop();
  if (keyService) await closeServer(keyService);
  await rm(dir, { recursive: true, force: true });
});

const client = (key: string) => new OpenAI({ baseURL: `${route.harness.url}/v1`, apiKey: key, maxRetries: 0 });
const chat = (key: string, model = 'gpt-4o-mini') => client(key).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });

describe('gateway keys checked by an external service', () => {
  it('lets an allowed key through as the project the service names, without the key reaching the provider', async () => {
    const completion = await chat('ext-team-a-key');
    expect(completion.id).toBe('chatcmpl-ext-1');
    expect(asked).toEqual([{ key: 'ext-team-a-key', authorization: `Bearer ${SERVICE_TOKEN}` }]);
    const sent = route.upstream.requests.at(-1)!;
    expect(JSON.stringify(sent.headers)).not.toContain('ext-team-a-key');
    // Cached: the second request does not ask again.
    await chat('ext-team-a-key');
    expect(asked).toHaveLength(1);
    await svc.ledger!.flush();
    const rows = await sqlDbOf(await access.store()).query('SELECT project, key_id FROM ledger');
    expect(rows).toEqual([
      { project: 'team-a', key_id: 'ext-a-1' },
      { project: 'team-a', key_id: 'ext-a-1' },
    ]);
  });

  it('applies the limits the service answers, and its denials, in the client API’s error shape', async () => {
    // allowedModels: ['gpt-*'] — a model outside it is refused before any provider sees it.
    const llama = await chat('ext-team-a-key', 'llama-3-70b').catch((e: unknown) => e);
    expect(llama).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((llama as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe('model_not_allowed');
    const revoked = await chat('ext-revoked-key').catch((e: unknown) => e);
    expect(revoked).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((revoked as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe('key_revoked');
    const unknown = await chat('ext-unknown-key').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((unknown as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
  });

  it('fails closed while the service errors: 503, never the provider', async () => {
    const before = route.upstream.requests.length;
    down = true;
    try {
      const err = await chat('ext-other-key').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
      expect((err as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(503);
      expect((err as InstanceType<typeof OpenAI.InternalServerError>).code).toBe('key_store_unavailable');
      // A key answered before the service went down is still served from the cache.
      expect((await chat('ext-team-a-key')).id).toBe('chatcmpl-ext-1');
    } finally {
      down = false;
    }
    expect(route.upstream.requests.length).toBe(before + 1);
  });
});
