/**
 * Two replicas (two CachedKeyLookup instances over two PostgreSQL connections to one database):
 * a key revoked through one stops working on the other within the cache TTL.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestSchema, type TestSchema } from '../../test/support/postgres.js';
import { CachedKeyLookup } from './cached-key-lookup.js';
import { generateSecret, hashSecret } from './key-secret.js';
import { createPostgresStore } from './postgres-store.js';
import type { AccessStore } from './store.js';

let schema: TestSchema;
let storeA: AccessStore;
let storeB: AccessStore;

beforeAll(async () => {
  schema = await createTestSchema();
  storeA = createPostgresStore({ url: schema.url, schema: schema.schema });
  storeB = createPostgresStore({ url: schema.url, schema: schema.schema });
  await storeA.migrate();
  await storeB.migrate();
});
afterAll(async () => {
  await storeA?.close();
  await storeB?.close();
  await schema?.drop();
});

it('a key revoked on replica A stops working on replica B within ttlMs; counts from both add up', async () => {
  let clock = 0;
  const now = () => clock;
  const cache = { ttlMs: 5000, negativeTtlMs: 1000, maxEntries: 100 };
  const logger = pino({ level: 'silent' });
  const a = new CachedKeyLookup({ store: storeA, logger, cache, now, flushIntervalMs: 60_000 });
  const b = new CachedKeyLookup({ store: storeB, logger, cache, now, flushIntervalMs: 60_000 });
  const change = { actor: 'test', at: 1 };
  await storeA.createProject('p', change);
  const { id, secret } = generateSecret();
  await storeA.createKey({ id, project: 'p', name: 'n', secretHash: hashSecret(secret), createdAt: 1, expiresAt: null, maxRequests: null, allowedModels: [], allowedRules: [] }, change);

  expect((await a.find(secret))?.revoked).toBe(false);
  expect((await b.find(secret))?.revoked).toBe(false);
  a.countRequest(id);
  b.countRequest(id);
  b.countRequest(id);

  await storeA.revokeKey(id, change);
  a.invalidateKey(id); // what the admin API does on A
  expect((await a.find(secret))?.revoked).toBe(true);
  clock += cache.ttlMs - 1;
  expect((await b.find(secret))?.revoked).toBe(false); // B may still use its cached record...
  clock += 1;
  expect((await b.find(secret))?.revoked).toBe(true); // ...but not past the TTL

  await a.close();
  await b.close();
  expect((await storeB.getKey(id))?.requestCount).toBe(3);
});
