/**
 * A response store in Redis, shared by every replica that points at it. Keys are
 * `<keyPrefix><project>:<rule>:<model>:<digest>` with the tags base64url-encoded, so a purge by
 * project, model or rule is a SCAN over a pattern; values are the entry's metadata as one JSON
 * line followed by the body bytes; Redis expires them (`PX`). The client does not queue commands
 * while disconnected: a store that is down fails at once, and the cache counts a miss.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import type { CacheConfig } from '../config/cache-schema.js';
import { describeSecretRef, resolveSecretRef, type SecretSources } from '../access/secret-ref.js';
import type { CacheKey, PurgeFilter, ResponseStore, StoredResponse, StoreStats } from './response-store.js';

const tag = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

/** `s` with Redis glob characters escaped. */
function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Encodes an entry: one JSON line of metadata, then the body. */
export function encodeEntry(v: StoredResponse): Buffer {
  const { body, ...meta } = v;
  return Buffer.concat([Buffer.from(`${JSON.stringify(meta)}\n`, 'utf8'), body]);
}

/** Decodes {@link encodeEntry}'s bytes; undefined for bytes that are not an entry. */
export function decodeEntry(b: Buffer): StoredResponse | undefined {
  const nl = b.indexOf(0x0a);
  if (nl < 0) return undefined;
  try {
    const meta = JSON.parse(b.subarray(0, nl).toString('utf8')) as Omit<StoredResponse, 'body'>;
    if (typeof meta.status !== 'number' || !Array.isArray(meta.headers) || typeof meta.storedAt !== 'number') return undefined;
    return { ...meta, body: Buffer.from(b.subarray(nl + 1)) };
  } catch {
    return undefined;
  }
}

/** A Redis response store over an open client. */
export class RedisStore implements ResponseStore {
  readonly kind = 'redis';

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {}

  private id(key: CacheKey): string {
    return `${this.prefix}${tag(key.project)}:${tag(key.rule)}:${tag(key.model)}:${key.digest}`;
  }

  private pattern(filter: PurgeFilter): string {
    const part = (v: string | undefined) => (v === undefined ? '*' : tag(v));
    return `${globEscape(this.prefix)}${part(filter.project)}:${part(filter.rule)}:${part(filter.model)}:*`;
  }

  async get(key: CacheKey): Promise<StoredResponse | undefined> {
    const b = await this.client.getBuffer(this.id(key));
    return b ? decodeEntry(b) : undefined;
  }

  async set(key: CacheKey, value: StoredResponse, ttlMs: number): Promise<void> {
    await this.client.set(this.id(key), encodeEntry(value), 'PX', Math.max(1, Math.round(ttlMs)));
  }

  /** Every key under `pattern`, a SCAN batch at a time. */
  private async *scan(pattern: string): AsyncGenerator<string[]> {
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length) yield keys;
      cursor = next;
    } while (cursor !== '0');
  }

  async purge(filter: PurgeFilter): Promise<number> {
    let n = 0;
    for await (const keys of this.scan(this.pattern(filter))) n += await this.client.del(...keys);
    return n;
  }

  async stats(): Promise<StoreStats> {
    let entries = 0;
    let bytes = 0;
    for await (const keys of this.scan(this.pattern({}))) {
      const pipe = this.client.pipeline();
      for (const k of keys) pipe.strlen(k);
      for (const [err, len] of (await pipe.exec()) ?? []) {
        if (err || typeof len !== 'number' || len === 0) continue;
        entries++;
        bytes += len;
      }
    }
    return { entries, bytes };
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}

/** What opening the Redis store needs besides `cache.redis`. */
export interface OpenRedisOptions {
  /** Where `{ env }` and `{ filename }` secrets and `tls.caFile` resolve. */
  readonly secrets: SecretSources;
  /** Connection errors (the client reconnects by itself); called for each. */
  readonly onError: (err: Error) => void;
}

/** Opens a Redis store for `cache.redis`; throws when its URL or password cannot be read. */
export async function openRedisStore(cfg: CacheConfig['redis'], opts: OpenRedisOptions): Promise<RedisStore> {
  if (!cfg.url) throw new Error('cache.redis.url is not set');
  const url = await resolveSecretRef(cfg.url, opts.secrets);
  if (!url) throw new Error(`cache.redis.url: ${describeSecretRef(cfg.url)} is not set or empty`);
  const password = cfg.password ? await resolveSecretRef(cfg.password, opts.secrets) : undefined;
  if (cfg.password && password === undefined) throw new Error(`cache.redis.password: ${describeSecretRef(cfg.password)} is not set or empty`);
  const tlsWanted = cfg.tls.enabled || url.startsWith('rediss:');
  const ca = cfg.tls.caFile ? await readFile(resolve(opts.secrets.baseDir, cfg.tls.caFile)) : undefined;
  const options: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: cfg.connectTimeoutMs,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
    ...(password !== undefined ? { password } : {}),
    ...(tlsWanted ? { tls: { rejectUnauthorized: cfg.tls.rejectUnauthorized, ...(ca ? { ca } : {}) } } : {}),
  };
  const client = new Redis(url, options);
  client.on('error', opts.onError);
  // Waited for at most the connect timeout: a Redis that is down at start is a cache that
  // misses until it is up, never a service that does not start.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.connect().catch(() => undefined),
    new Promise<void>((done) => {
      timer = setTimeout(done, cfg.connectTimeoutMs);
    }),
  ]);
  clearTimeout(timer);
  return new RedisStore(client, cfg.keyPrefix);
}
