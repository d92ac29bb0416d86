/**
 * A store written as a module, held to the {@link ResponseStore} contract at run time: every call
 * answers a promise (a synchronous throw or a plain value is turned into one), and what `get`,
 * `purge` and `stats` answer is checked — an entry that is not a well-formed
 * {@link StoredResponse} is a failure, never a response sent to a client. The cache turns every
 * failure into a miss (or a dropped write), counted and logged, as it does for Redis.
 */
import type { PurgeFilter, ResponseStore, StoredResponse, StoreStats } from './response-store.js';

/** A store answered something the contract does not allow. */
export class StoreContractError extends Error {
  constructor(kind: string, what: string) {
    super(`response store ${JSON.stringify(kind)} ${what}`);
    this.name = 'StoreContractError';
  }
}

/** Calls `fn`, its synchronous throw or plain value made a promise. */
function settle<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Why `v` is not a stored response, or undefined when it is one. */
function entryProblem(v: Record<string, unknown>): string | undefined {
  if (typeof v['status'] !== 'number' || !Number.isInteger(v['status']) || v['status'] < 100 || v['status'] > 599) return 'status';
  const headers = v['headers'];
  if (!Array.isArray(headers) || !headers.every((h) => Array.isArray(h) && h.length === 2 && typeof h[0] === 'string' && typeof h[1] === 'string' && !/[\r\n\0]/.test(h[1]))) return 'headers';
  if (!(v['body'] instanceof Uint8Array)) return 'body (a Buffer or Uint8Array)';
  if (typeof v['storedAt'] !== 'number' || !Number.isFinite(v['storedAt'])) return 'storedAt';
  const usage = v['usage'];
  if (typeof usage !== 'object' || usage === null || !Object.values(usage).every((n) => n === undefined || isCount(n))) return 'usage';
  for (const k of ['responseModel', 'responseId']) if (v[k] !== undefined && typeof v[k] !== 'string') return k;
  if (v['costUsd'] !== undefined && v['costUsd'] !== null && typeof v['costUsd'] !== 'number') return 'costUsd';
  return undefined;
}

/** `store` with every answer checked against the contract. */
export function guardedStore(store: ResponseStore): ResponseStore {
  const kind = store.kind;
  return {
    kind,
    async get(key) {
      const got: unknown = await settle(() => store.get(key));
      if (got === undefined || got === null) return undefined;
      if (typeof got !== 'object') throw new StoreContractError(kind, `answered get with a ${typeof got}, not an entry`);
      const problem = entryProblem(got as Record<string, unknown>);
      if (problem !== undefined) throw new StoreContractError(kind, `answered get with an entry whose ${problem} is malformed`);
      const entry = got as Omit<StoredResponse, 'body'> & { readonly body: Uint8Array };
      return Buffer.isBuffer(entry.body) ? (entry as StoredResponse) : { ...entry, body: Buffer.from(entry.body.buffer, entry.body.byteOffset, entry.body.byteLength) };
    },
    async set(key, value, ttlMs) {
      await settle(() => store.set(key, value, ttlMs));
    },
    async purge(filter: PurgeFilter) {
      const n: unknown = await settle(() => store.purge(filter));
      if (!isCount(n) || !Number.isInteger(n)) throw new StoreContractError(kind, 'answered purge with something other than a count');
      return n;
    },
    async stats(): Promise<StoreStats> {
      const s: unknown = await settle(() => store.stats());
      const { entries, bytes } = (s ?? {}) as Record<string, unknown>;
      if (!isCount(entries) || !isCount(bytes)) throw new StoreContractError(kind, 'answered stats with something other than { entries, bytes }');
      return { entries, bytes };
    },
    close: () => settle(() => store.close()),
  };
}
