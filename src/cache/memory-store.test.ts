import { describe, expect, it } from 'vitest';
import { describeResponseStoreContract } from '../testing/response-store-contract.js';
import { MemoryStore } from './memory-store.js';
import type { StoredResponse } from './response-store.js';

describeResponseStoreContract('memory', () => new MemoryStore({ maxBytes: 1024 * 1024 }));

const entry = (bytes: number): StoredResponse => ({ status: 200, headers: [], body: Buffer.alloc(bytes, 1), storedAt: 0, usage: {} });
const key = (d: string) => ({ project: 'p', rule: 'r', model: 'm', digest: d });

describe('MemoryStore', () => {
  it('stays within maxBytes, evicting the least recently used entries and counting each', async () => {
    let evicted = 0;
    const s = new MemoryStore({ maxBytes: 4000, onEvict: () => evicted++ });
    await s.set(key('a'), entry(1000), 60_000);
    await s.set(key('b'), entry(1000), 60_000);
    await s.set(key('c'), entry(1000), 60_000);
    await s.get(key('a')); // a is now more recent than b
    await s.set(key('d'), entry(1000), 60_000);
    expect(evicted).toBe(1);
    expect(await s.get(key('b'))).toBeUndefined();
    expect(await s.get(key('a'))).toBeDefined();
    expect((await s.stats()).bytes).toBeLessThanOrEqual(4000);
  });

  it('does not store an entry larger than the whole store', async () => {
    const s = new MemoryStore({ maxBytes: 1000 });
    await s.set(key('big'), entry(5000), 60_000);
    expect(await s.get(key('big'))).toBeUndefined();
  });
});
