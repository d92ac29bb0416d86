import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeServer, listenOnLoopback } from '../../test/support/listen.js';
import { externalKeysSchema } from '../config/access-schema.js';
import { UserFacingError } from '../errors.js';
import { authenticate } from './authenticate.js';
import { ExternalKeyLookup, ExternalKeyServiceError } from './external-key-lookup.js';

/** How the service under test answers each key. */
type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;
const json = (status: number, body: unknown): Behaviour => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
/** Never answers (until the server closes): the lookup must give up at its timeout. */
const held: ServerResponse[] = [];
const hang: Behaviour = (_req, res) => void held.push(res);

const BEHAVIOURS: Record<string, Behaviour> = {
  'key-ok': json(200, { allowed: true, project: 'team-a', keyId: 'k-ok', name: 'ci', allowedModels: ['gpt-*'], allowedRules: ['openai'], expiresAt: '2099-01-01T00:00:00Z', maxRequests: 10, requestCount: 3 }),
  'key-minimal': json(200, { allowed: true, project: 'team-b', keyId: 'k-min' }),
  'key-denied': json(200, { allowed: false }),
  'key-revoked': json(200, { allowed: false, reason: 'revoked', project: 'team-a', keyId: 'k-rev' }),
  'key-expired': json(200, { allowed: false, reason: 'expired' }),
  'key-inactive': json(200, { allowed: false, reason: 'project_inactive' }),
  'key-limit': json(200, { allowed: false, reason: 'request_limit' }),
  'key-403': json(403, { error: 'forbidden' }),
  'key-401-empty': (_req, res) => void res.writeHead(401).end(),
  'key-500': json(500, { error: 'boom' }),
  'key-429': json(429, {}),
  'key-notjson': (_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'),
  'key-badshape': json(200, { allowed: 'yes' }),
  'key-allowed-no-project': json(200, { allowed: true }),
  'key-hang': hang,
};

let server: Server;
let url: string;
const calls: Array<{ key: string; authorization: string | undefined; contentType: string | undefined }> = [];
let flip = true; // key-flip: allowed, then denied

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { key } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { key: string };
      calls.push({ key, authorization: req.headers.authorization, contentType: req.headers['content-type'] });
      if (key === 'key-flip') return json(200, flip ? { allowed: true, project: 'p', keyId: 'f' } : { allowed: false })(req, res);
      (BEHAVIOURS[key] ?? json(200, { allowed: false }))(req, res);
    });
  });
  url = `${await listenOnLoopback(server)}/validate`;
});
afterAll(async () => {
  for (const res of held) res.destroy();
  server.closeAllConnections();
  await closeServer(server);
});
beforeEach(() => {
  calls.length = 0;
});

const logger = pino({ level: 'silent' });
function lookup(over: Record<string, unknown> = {}, opts: { now?: () => number; readEnv?: (n: string) => string | undefined } = {}): ExternalKeyLookup {
  return new ExternalKeyLookup({
    config: externalKeysSchema.parse({ url, timeoutMs: 10_000, ...over }),
    secrets: { baseDir: '.', ...(opts.readEnv ? { readEnv: opts.readEnv } : {}) },
    logger,
    ...(opts.now ? { now: opts.now } : {}),
  });
}
const target = { model: 'gpt-4o', rule: 'openai', now: Date.now() };
const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserFacingError);
  return { status: (err as UserFacingError).status, code: (err as UserFacingError).code };
};

describe('ExternalKeyLookup against a real HTTP service', () => {
  it('applies the project, key identity and limits the service answers', async () => {
    const keys = lookup({ token: { env: 'KEY_SERVICE_TOKEN' } }, { readEnv: (n) => (n === 'KEY_SERVICE_TOKEN' ? 'svc-token' : undefined) });
    const key = await keys.find('key-ok');
    expect(key).toEqual({
      id: 'k-ok',
      project: 'team-a',
      name: 'ci',
      createdAt: 0,
      expiresAt: Date.parse('2099-01-01T00:00:00Z'),
      revoked: false,
      maxRequests: 10,
      requestCount: 3,
      allowedModels: ['gpt-*'],
      allowedRules: ['openai'],
      projectActive: true,
    });
    expect(calls).toEqual([{ key: 'key-ok', authorization: 'Bearer svc-token', contentType: 'application/json' }]);
    expect(await authenticate(keys, 'key-ok', target)).toMatchObject({ project: 'team-a' });
    expect(await refusal(authenticate(keys, 'key-ok', { ...target, model: 'claude-x' }))).toEqual({ status: 403, code: 'model_not_allowed' });
    expect(await keys.find('key-minimal')).toMatchObject({ id: 'k-min', project: 'team-b', name: 'k-min', allowedModels: [], maxRequests: null, expiresAt: null });
  });

  it('denies: plain denial and 401/403/404 statuses are 401, reasons give the store’s own 403s', async () => {
    const keys = lookup();
    expect(await keys.find('key-denied')).toBeUndefined();
    expect(await keys.find('key-403')).toBeUndefined();
    expect(await keys.find('key-401-empty')).toBeUndefined();
    expect(await refusal(authenticate(keys, 'key-denied', target))).toEqual({ status: 401, code: 'invalid_api_key' });
    expect(await refusal(authenticate(keys, 'key-revoked', target))).toEqual({ status: 403, code: 'key_revoked' });
    expect(await refusal(authenticate(keys, 'key-expired', target))).toEqual({ status: 403, code: 'key_expired' });
    expect(await refusal(authenticate(keys, 'key-inactive', target))).toEqual({ status: 403, code: 'project_inactive' });
    expect(await refusal(authenticate(keys, 'key-limit', target))).toEqual({ status: 403, code: 'key_request_limit' });
  });

  it('caches allowed answers for ttlMs and denied ones for negativeTtlMs, by key', async () => {
    let now = 1_000_000;
    const keys = lookup({ cache: { ttlMs: 10_000, negativeTtlMs: 2_000 } }, { now: () => now });
    flip = true;
    expect(await keys.find('key-flip')).toMatchObject({ project: 'p' });
    flip = false;
    now += 9_999;
    expect(await keys.find('key-flip')).toMatchObject({ project: 'p' }); // still cached
    expect(calls.filter((c) => c.key === 'key-flip')).toHaveLength(1);
    now += 2;
    expect(await keys.find('key-flip')).toBeUndefined(); // asked again: now denied
    flip = true;
    now += 1_999;
    expect(await keys.find('key-flip')).toBeUndefined(); // the denial is cached
    now += 2;
    expect(await keys.find('key-flip')).toMatchObject({ project: 'p' });
    expect(calls.filter((c) => c.key === 'key-flip')).toHaveLength(3);
    expect(await keys.find('key-ok')).toBeDefined();
    expect(keys.size).toBe(2);
  });

  it('shares one call among concurrent checks of one key, and bounds the cache', async () => {
    const keys = lookup({ cache: { maxEntries: 2 } });
    const found = await Promise.all(Array.from({ length: 20 }, () => keys.find('key-minimal')));
    expect(found.every((k) => k?.id === 'k-min')).toBe(true);
    expect(calls).toHaveLength(1);
    await keys.find('key-ok');
    await keys.find('key-denied');
    expect(keys.size).toBe(2);
    await keys.find('key-minimal'); // dropped as least recently used: asked again
    expect(calls.filter((c) => c.key === 'key-minimal')).toHaveLength(2);
  });

  it('fails closed by default: timeouts, error statuses and bad bodies refuse with 503, and are not cached', async () => {
    // Only the held call may hit the short deadline; the others get time to answer on a busy machine.
    await expect(lookup({ timeoutMs: 50 }).find('key-hang')).rejects.toThrow(/no answer within 50 ms/);
    const keys = lookup({ timeoutMs: 10_000 });
    await expect(keys.find('key-500')).rejects.toThrow(/HTTP 500/);
    await expect(keys.find('key-429')).rejects.toThrow(/HTTP 429/);
    await expect(keys.find('key-notjson')).rejects.toThrow(/not JSON/);
    await expect(keys.find('key-badshape')).rejects.toBeInstanceOf(ExternalKeyServiceError);
    await expect(keys.find('key-allowed-no-project')).rejects.toThrow(/documented shape/);
    expect(await refusal(authenticate(keys, 'key-500', target))).toEqual({ status: 503, code: 'key_store_unavailable' });
    expect(calls.filter((c) => c.key === 'key-500')).toHaveLength(2);
    expect(keys.size).toBe(0);
    const noToken = lookup({ token: { env: 'UNSET' } });
    await expect(noToken.find('key-ok')).rejects.toThrow(/environment variable UNSET is unset/);
  });

  it('fails open when configured: the request goes through as the fail-open project, and the real answer is used once the service is back', async () => {
    const open = { failureMode: 'open', failOpenProject: 'unverified-keys' };
    expect(await lookup({ ...open, timeoutMs: 50 }).find('key-hang')).toMatchObject({ id: 'unverified-keys', project: 'unverified-keys', revoked: false, projectActive: true, allowedModels: [] });
    const keys = lookup({ ...open, timeoutMs: 10_000 });
    expect(await keys.find('key-500')).toMatchObject({ project: 'unverified-keys' });
    expect(await authenticate(keys, 'key-500', target)).toMatchObject({ project: 'unverified-keys' });
    // A real denial is still a denial when failing open.
    expect(await keys.find('key-denied')).toBeUndefined();
    expect(keys.size).toBe(1); // the denial; failures are not cached
  });

  it('fails on an unreachable service (connection refused)', async () => {
    const gone = createServer();
    const goneUrl = await listenOnLoopback(gone);
    await closeServer(gone);
    const keys = new ExternalKeyLookup({ config: externalKeysSchema.parse({ url: goneUrl, timeoutMs: 10_000 }), secrets: { baseDir: '.' }, logger });
    await expect(keys.find('key-ok')).rejects.toThrow(/key service call failed: .*ECONNREFUSED/);
  });

  it('config: takes only http(s) URLs and bounded timeouts', () => {
    expect(externalKeysSchema.safeParse({ url: 'ftp://x/validate' }).success).toBe(false);
    expect(externalKeysSchema.safeParse({ url: 'not a url' }).success).toBe(false);
    expect(externalKeysSchema.safeParse({ url, timeoutMs: 0 }).success).toBe(false);
    expect(externalKeysSchema.parse({ url })).toMatchObject({ timeoutMs: 250, failureMode: 'closed', cache: { ttlMs: 30_000, negativeTtlMs: 5_000 } });
  });
});
