import { afterEach, describe, expect, it } from 'vitest';
import { createTestRedis, type TestRedis } from './redis.js';

describe('test Redis', () => {
  let r: TestRedis | undefined;
  afterEach(async () => {
    await r?.drop();
    r = undefined;
  });

  it('gives each test a prefix of its own, emptied by drop()', async () => {
    r = await createTestRedis();
    const other = await createTestRedis();
    expect(other.prefix).not.toBe(r.prefix);
    await r.client.set(`${r.prefix}a`, '1');
    await other.client.set(`${other.prefix}a`, '2');
    await r.drop();
    expect(await other.client.get(`${r.prefix}a`)).toBeNull();
    expect(await other.client.get(`${other.prefix}a`)).toBe('2');
    await other.drop();
    r = undefined;
  });
});
