/**
 * The store `rateLimits` names: leased over Redis by default, exact with `lease: false` or a
 * fraction of 0, and the budget spend reachable through either.
 */
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../../test/support/redis.js';
import { parseConfig } from '../config/load.js';
import type { CounterStore } from './counter-store.js';
import { LeasedCounterStore } from './leased-store.js';
import { MemoryCounterStore } from './memory-store.js';
import { openCounterStore, sharedSpendOf } from './open-store.js';
import { RedisCounterStore } from './redis-store.js';

const logger = pino({ level: 'silent' });
const opened: CounterStore[] = [];
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
});

async function open(redis: string): Promise<CounterStore> {
  const yaml = `rateLimits:\n  store: ${redis ? 'redis' : 'memory'}\n${redis ? `  redis: { url: { key: "${TEST_REDIS_URL}" }${redis === '-' ? '' : `, ${redis}`} }\n` : ''}`;
  const store = await openCounterStore(parseConfig(yaml, 'test.yaml').config, { baseDir: '.', logger });
  opened.push(store);
  return store;
}

describe('openCounterStore', () => {
  it('leases over Redis by default, and keeps one exact round trip per request with lease: false or fraction 0', async () => {
    const leased = await open('-');
    expect(leased).toBeInstanceOf(LeasedCounterStore);
    expect((leased as LeasedCounterStore).leaseSize(10_000)).toBe(100);
    expect(await open('lease: false')).toBeInstanceOf(RedisCounterStore);
    expect(await open('lease: { fraction: 0 }')).toBeInstanceOf(RedisCounterStore);
    expect(((await open('lease: { fraction: 0.05 }')) as LeasedCounterStore).leaseSize(200)).toBe(10);
  });

  it('gives budgets the Redis spend counters of either Redis store, none in memory', async () => {
    expect(sharedSpendOf(await open('-'))).toBeDefined();
    expect(sharedSpendOf(await open('lease: false'))).toBeDefined();
    expect(sharedSpendOf(await open(''))).toBeUndefined();
    expect(await open('')).toBeInstanceOf(MemoryCounterStore);
  });
});
