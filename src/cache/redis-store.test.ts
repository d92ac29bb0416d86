import { afterAll, describe, expect, it } from 'vitest';
import { createTestRedis, type TestRedis } from '../../test/support/redis.js';
import { describeResponseStoreContract } from '../testing/response-store-contract.js';
import { decodeEntry, encodeEntry, openRedisStore } from './redis-store.js';

const opened: TestRedis[] = [];
afterAll(async () => {
  await Promise.all(opened.map((r) => r.drop()));
});

async function freshStore() {
  const redis = await createTestRedis();
  opened.push(redis);
  return openRedisStore(
    { url: { key: redis.url }, keyPrefix: redis.prefix, tls: { enabled: false, rejectUnauthorized: true }, connectTimeoutMs: 2_000 },
    { secrets: { baseDir: '.' }, onError: () => undefined },
  );
}

describeResponseStoreContract('redis', freshStore);

describe('RedisStore', () => {
  it('encodes entries so any body bytes, even ones that look like JSON lines, decode unchanged', () => {
    const body = Buffer.from('{"status":500}\n\u0000tail');
    const v = { status: 200, headers: [['content-type', 'text/plain']] as Array<[string, string]>, body, storedAt: 5, usage: { input: 1 } };
    const back = decodeEntry(encodeEntry(v))!;
    expect(back.body.equals(body)).toBe(true);
    expect(back.status).toBe(200);
    expect(decodeEntry(Buffer.from('not an entry'))).toBeUndefined();
  });

  it('reads its URL and password from the environment by reference', async () => {
    const redis = await createTestRedis();
    opened.push(redis);
    const env: Record<string, string> = { CACHE_REDIS_URL: redis.url };
    const store = await openRedisStore(
      { url: { env: 'CACHE_REDIS_URL' }, keyPrefix: redis.prefix, tls: { enabled: false, rejectUnauthorized: true }, connectTimeoutMs: 2_000 },
      { secrets: { baseDir: '.', readEnv: (n) => env[n] }, onError: () => undefined },
    );
    await store.set({ project: 'p', rule: 'r', model: 'm', digest: 'd' }, { status: 200, headers: [], body: Buffer.from('hi'), storedAt: 1, usage: {} }, 60_000);
    expect((await redis.client.keys(`${redis.prefix}*`)).length).toBe(1);
    await store.close();
    await expect(
      openRedisStore({ url: { env: 'UNSET_VAR' }, keyPrefix: 'x:', tls: { enabled: false, rejectUnauthorized: true }, connectTimeoutMs: 100 }, { secrets: { baseDir: '.', readEnv: () => undefined }, onError: () => undefined }),
    ).rejects.toThrow(/environment variable UNSET_VAR/);
  });

  it('fails fast, without queueing, when Redis is unreachable', async () => {
    const errors: Error[] = [];
    const store = await openRedisStore(
      { url: { key: 'redis://127.0.0.1:1' }, keyPrefix: 'x:', tls: { enabled: false, rejectUnauthorized: true }, connectTimeoutMs: 200 },
      { secrets: { baseDir: '.' }, onError: (e) => errors.push(e) },
    );
    await expect(store.get({ project: '', rule: 'r', model: 'm', digest: 'd' })).rejects.toThrow();
    expect(errors.length).toBeGreaterThan(0);
    await store.close();
  });
});
