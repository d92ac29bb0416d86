/**
 * Redis for tests: `LLM_EXTPROC_TEST_REDIS_URL`, else `redis://127.0.0.1:6379` (started or
 * installed by the test setup, test/global-setup.ts). Each test gets its own key prefix, so
 * tests sharing the server never see each other's keys; `drop()` deletes the prefix's keys.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The test Redis URL. */
export const TEST_REDIS_URL = process.env['LLM_EXTPROC_TEST_REDIS_URL'] || 'redis://127.0.0.1:6379';

/** A key prefix of its own in the test Redis. */
export interface TestRedis {
  readonly url: string;
  /** Unique, ends with `:`. */
  readonly prefix: string;
  /** A client for the test's own checks (closed by `drop()`). */
  readonly client: Redis;
  /** Deletes every key under the prefix and closes the client. */
  drop(): Promise<void>;
}

/** Connects and picks a fresh prefix; throws a clear error when Redis is not reachable. */
export async function createTestRedis(): Promise<TestRedis> {
  const prefix = `t:${Date.now().toString(36)}:${randomBytes(4).toString('hex')}:`;
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw new Error(
      `Redis is required for these tests and is not reachable at ${TEST_REDIS_URL} (${(err as Error).message}). ` +
        'Start redis-server (test/global-setup.ts tries) or set LLM_EXTPROC_TEST_REDIS_URL.',
      { cause: err },
    );
  }
  return {
    url: TEST_REDIS_URL,
    prefix,
    client,
    async drop() {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        if (keys.length) await client.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      client.disconnect();
    },
  };
}
