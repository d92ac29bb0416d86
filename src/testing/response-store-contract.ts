/**
 * The response store contract as a vitest suite: what the cache relies on from every
 * {@link ResponseStore} (bytes back exactly as stored, keys distinct in every part, expiry,
 * purges by tag, stats). Run against the memory and Redis stores in this repository, and
 * exported from `llm-extproc/testing` for stores written as modules.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CacheKey, ResponseStore, StoredResponse } from '../cache/response-store.js';

/** Options of {@link describeResponseStoreContract}. */
export interface ResponseStoreContractOptions {
  /** Longest time an expired entry may still be returned (default 2000 ms). */
  readonly expiryWithinMs?: number;
}

const key = (over: Partial<CacheKey> = {}): CacheKey => ({ project: 'team-a', rule: 'openai', model: 'gpt-4o-mini', digest: 'a'.repeat(64), ...over });

function entry(body: string | Buffer, over: Partial<StoredResponse> = {}): StoredResponse {
  return {
    status: 200,
    headers: [['content-type', 'application/json']],
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
    storedAt: 1_700_000_000_000,
    usage: { input: 12, output: 34, total: 46 },
    responseModel: 'gpt-4o-mini-2024-07-18',
    responseId: 'chatcmpl-1',
    costUsd: 0.0021,
    ...over,
  };
}

/**
 * Registers the contract suite for the store `make` returns (a fresh, empty store per test,
 * closed after it).
 * @example describeResponseStoreContract('my store', async () => new MyStore())
 */
export function describeResponseStoreContract(name: string, make: () => Promise<ResponseStore> | ResponseStore, options: ResponseStoreContractOptions = {}): void {
  describe(`response store contract: ${name}`, () => {
    let store: ResponseStore | undefined;
    const open = async () => (store = await make());
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it('answers undefined for a key never stored', async () => {
      const s = await open();
      expect(await s.get(key())).toBeUndefined();
    });

    it('gives back exactly what was stored: status, headers, body bytes, usage, price', async () => {
      const s = await open();
      const binary = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0a, 0x0d, 0x0a, 0x80]);
      const sse = 'data: {"id":"1","choices":[{"delta":{"content":"héllo"}}]}\n\ndata: [DONE]\n\n';
      const cases: Array<[CacheKey, StoredResponse]> = [
        [key({ digest: '1'.repeat(64) }), entry('{"ok":true}')],
        [key({ digest: '2'.repeat(64) }), entry(binary, { status: 203, headers: [['content-type', 'application/octet-stream']] })],
        [key({ digest: '3'.repeat(64) }), entry(sse, { headers: [['content-type', 'text/event-stream']], costUsd: null })],
        [key({ digest: '4'.repeat(64) }), entry('', { usage: {} })],
      ];
      for (const [k, v] of cases) await s.set(k, v, 60_000);
      for (const [k, v] of cases) {
        const got = await s.get(k);
        expect(got).toBeDefined();
        expect(got!.body.equals(v.body)).toBe(true);
        expect({ ...got!, body: undefined }).toEqual({ ...v, body: undefined });
      }
    });

    it('keeps keys that differ in any one part apart', async () => {
      const s = await open();
      const keys = [key(), key({ project: 'team-b' }), key({ project: '' }), key({ rule: 'other' }), key({ model: 'gpt-4o' }), key({ digest: 'b'.repeat(64) })];
      for (const [i, k] of keys.entries()) await s.set(k, entry(`body ${i}`), 60_000);
      for (const [i, k] of keys.entries()) expect((await s.get(k))?.body.toString()).toBe(`body ${i}`);
    });

    it('replaces an entry stored again under the same key', async () => {
      const s = await open();
      await s.set(key(), entry('first'), 60_000);
      await s.set(key(), entry('second'), 60_000);
      expect((await s.get(key()))?.body.toString()).toBe('second');
      expect((await s.stats()).entries).toBe(1);
    });

    it('stops returning an entry once its ttl passed', async () => {
      const s = await open();
      await s.set(key(), entry('short'), 40);
      await s.set(key({ digest: 'c'.repeat(64) }), entry('long'), 60_000);
      await expect.poll(async () => (await s.get(key()))?.body.toString(), { timeout: options.expiryWithinMs ?? 2_000, interval: 20 }).toBeUndefined();
      expect((await s.get(key({ digest: 'c'.repeat(64) })))?.body.toString()).toBe('long');
    });

    it('purges by project, model, rule or all of them together, and says how many', async () => {
      const s = await open();
      const all = [
        key({ project: 'a', model: 'm1', rule: 'r1', digest: '1'.repeat(64) }),
        key({ project: 'a', model: 'm2', rule: 'r1', digest: '2'.repeat(64) }),
        key({ project: 'b', model: 'm1', rule: 'r2', digest: '3'.repeat(64) }),
        key({ project: 'b', model: 'm2', rule: 'r2', digest: '4'.repeat(64) }),
        key({ project: '', model: 'm1', rule: 'r1', digest: '5'.repeat(64) }),
      ];
      for (const k of all) await s.set(k, entry('x'), 60_000);
      const present = async () => (await Promise.all(all.map(async (k) => (await s.get(k)) !== undefined))).map((p) => (p ? 1 : 0));
      expect(await s.purge({ project: 'a', model: 'm2' })).toBe(1);
      expect(await present()).toEqual([1, 0, 1, 1, 1]);
      expect(await s.purge({ model: 'm1' })).toBe(3);
      expect(await present()).toEqual([0, 0, 0, 1, 0]);
      expect(await s.purge({ rule: 'r1' })).toBe(0);
      expect(await s.purge({})).toBe(1);
      expect(await present()).toEqual([0, 0, 0, 0, 0]);
    });

    it('counts its entries and at least their body bytes', async () => {
      const s = await open();
      expect(await s.stats()).toEqual({ entries: 0, bytes: 0 });
      await s.set(key(), entry('x'.repeat(1000)), 60_000);
      await s.set(key({ digest: 'd'.repeat(64) }), entry('y'.repeat(500)), 60_000);
      const stats = await s.stats();
      expect(stats.entries).toBe(2);
      expect(stats.bytes).toBeGreaterThanOrEqual(1500);
    });

    it('serves many concurrent reads and writes consistently', async () => {
      const s = await open();
      const keys = Array.from({ length: 50 }, (_, i) => key({ digest: i.toString(16).padStart(64, '0') }));
      await Promise.all(keys.map((k, i) => s.set(k, entry(`v${i}`), 60_000)));
      const got = await Promise.all(keys.map((k) => s.get(k)));
      expect(got.map((g) => g?.body.toString())).toEqual(keys.map((_, i) => `v${i}`));
    });
  });
}
