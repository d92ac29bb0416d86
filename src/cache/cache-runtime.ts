/**
 * The process's response cache across config generations. Each config load asks for the cache
 * its config describes ({@link CacheRuntime.prepare}): the current one while its store is the
 * same, else a new one opened on the new store. Once the generation built on it serves, the
 * prepared cache is committed and the one it replaces is closed (it makes no new store calls and
 * closes its store when the calls in progress have ended); a generation that failed to build
 * discards it. A config that caches nothing closes the cache.
 */
import { dirname } from 'node:path';
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.js';
import { CacheMetrics } from './cache-metrics.js';
import { cachesAnything, openResponseCache, storeIdentity } from './open-cache.js';
import type { ResponseCache } from './response-cache.js';

/** A cache ready for a generation being built. */
export interface PreparedCache {
  /** The cache the generation uses; undefined when its config caches nothing. */
  readonly cache: ResponseCache | undefined;
  /** The generation serves: make this cache the process's, closing the one it replaces. */
  commit(): void;
  /** The generation failed: close this cache if it was opened for it. */
  discard(): Promise<void>;
}

/** What the runtime is built from. */
export interface CacheRuntimeDeps {
  readonly meter: Meter;
  readonly logger: Logger;
  /** Directory relative paths of the embedded default config resolve against. */
  readonly cwd: string;
  /** Reads an environment variable for `{ env: NAME }` references. */
  readonly readEnv?: (name: string) => string | undefined;
  /** A cache to use instead of the one each config describes (an embedder's): never replaced. */
  readonly injected?: ResponseCache;
}

const NOTHING_TO_DISCARD = () => Promise.resolve();

/** The process's response cache, swapped when a reload changes its store. */
export class CacheRuntime {
  private current: ResponseCache | undefined;
  private identity: string | undefined;
  private metrics: CacheMetrics | undefined;
  private opened = 0;
  private readonly closing = new Set<Promise<void>>();

  constructor(private readonly deps: CacheRuntimeDeps) {
    this.current = deps.injected;
  }

  /** The cache serving new requests. */
  get cache(): ResponseCache | undefined {
    return this.current;
  }

  /**
   * The cache `loaded` describes. Throws when a new store cannot be opened (a Redis secret that
   * cannot be read, a store module that does not load): the config is then refused.
   */
  async prepare(loaded: LoadedConfig): Promise<PreparedCache> {
    const injected = this.deps.injected;
    if (injected) return { cache: injected, commit: () => undefined, discard: NOTHING_TO_DISCARD };
    const cfg = loaded.config;
    if (!cachesAnything(cfg)) return { cache: undefined, commit: () => this.replace(undefined, undefined), discard: NOTHING_TO_DISCARD };
    const baseDir = loaded.source === 'embedded default' ? this.deps.cwd : dirname(loaded.source);
    const identity = await storeIdentity(cfg.cache, baseDir);
    if (this.current && identity === this.identity) return { cache: this.current, commit: () => undefined, discard: NOTHING_TO_DISCARD };
    const cache = await openResponseCache(cfg.cache, {
      metrics: (this.metrics ??= new CacheMetrics(this.deps.meter)),
      meter: this.deps.meter,
      logger: this.deps.logger,
      secrets: { baseDir, ...(this.deps.readEnv ? { readEnv: this.deps.readEnv } : {}) },
      cacheBust: `store-${++this.opened}`,
      configText: loaded.text,
    });
    return { cache, commit: () => this.replace(cache, identity), discard: () => cache.close() };
  }

  private replace(next: ResponseCache | undefined, identity: string | undefined): void {
    const old = this.current;
    this.current = next;
    this.identity = identity;
    if (!old || old === next) return;
    this.deps.logger.info({ store: old.store.kind, ...(next ? { next: next.store.kind } : {}) }, next ? 'response cache store replaced: closing the old one' : 'response cache off: closing its store');
    const closed = old.close().catch((err: unknown) => this.deps.logger.error({ err, store: old.store.kind }, 'closing the response cache failed'));
    this.closing.add(closed);
    void closed.finally(() => this.closing.delete(closed));
  }

  /** Closes the cache serving now and waits for replaced ones to finish closing. Rejects when the current store's close does. */
  async close(): Promise<void> {
    await Promise.all([...this.closing]);
    await this.current?.close();
  }
}
