import { MeterProvider, AggregationTemporality, InMemoryMetricExporter, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CacheMetrics } from './cache-metrics.js';
import { MemoryStore } from './memory-store.js';
import { ResponseCache } from './response-cache.js';
import type { CacheKey, ResponseStore, StoredResponse } from './response-store.js';

const key: CacheKey = { project: 'p', rule: 'r', model: 'm', digest: 'd' };
const value: StoredResponse = { status: 200, headers: [], body: Buffer.from('x'), storedAt: 0, usage: {} };

function setup(store: ResponseStore) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (c: Buffer, _e, cb) => (lines.push(JSON.parse(c.toString()) as Record<string, unknown>), cb()) }));
  const cache = new ResponseCache({ store, metrics: new CacheMetrics(provider.getMeter('t')), logger });
  const errors = async () => {
    await reader.forceFlush();
    const points = exporter.getMetrics().at(-1)?.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'llm_extproc.cache.errors')?.dataPoints ?? [];
    return points.reduce((n, p) => n + (p.value as number), 0);
  };
  return { cache, lines, errors };
}

/** A store whose answers the test controls. */
function controlledStore(): ResponseStore & { mode: 'hang' | 'fail' | 'ok' } {
  const inner = new MemoryStore({ maxBytes: 1 << 20 });
  return {
    kind: 'test',
    mode: 'ok',
    get(k) {
      if (this.mode === 'hang') return new Promise(() => undefined);
      if (this.mode === 'fail') return Promise.reject(new Error('connection refused'));
      return inner.get(k);
    },
    set(k, v, ttl) {
      return this.mode === 'ok' ? inner.set(k, v, ttl) : Promise.reject(new Error('connection refused'));
    },
    purge: (f) => inner.purge(f),
    stats: () => inner.stats(),
    close: () => inner.close(),
  };
}

describe('ResponseCache faults', () => {
  it('turns a store that hangs into a miss within the lookup bound', async () => {
    const store = controlledStore();
    store.mode = 'hang';
    const { cache, errors } = setup(store);
    const started = performance.now();
    expect(await cache.lookup(key, 20)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await errors()).toBe(1);
  });

  it('turns failures into misses and dropped writes, logs once per outage, counts each', async () => {
    const store = controlledStore();
    store.mode = 'fail';
    const { cache, lines, errors } = setup(store);
    for (let i = 0; i < 5; i++) expect(await cache.lookup(key, 50)).toBeUndefined();
    await cache.save(key, value, 60_000);
    expect(await errors()).toBe(6);
    expect(lines.filter((l) => String(l['msg']).includes('store failing'))).toHaveLength(1);
    store.mode = 'ok';
    await cache.save(key, value, 60_000);
    expect((await cache.lookup(key, 50))?.body.toString()).toBe('x');
    expect(lines.filter((l) => String(l['msg']).includes('recovered'))).toHaveLength(1);
  });

  it('lets an identical request wait for a miss in flight, then find its entry', async () => {
    const { cache } = setup(new MemoryStore({ maxBytes: 1 << 20 }));
    const done = cache.beginMiss(key)!;
    expect(cache.beginMiss(key)).toBeUndefined();
    const waiting = cache.awaitInFlight(key, 5_000);
    await cache.save(key, value, 60_000);
    done();
    expect(await waiting).toBe(true);
    expect(await cache.lookup(key, 50)).toBeDefined();
    expect(await cache.awaitInFlight(key, 5_000)).toBe(false);
  });

  it('once closed, calls the store no more, waits for the calls in progress, then closes the store once', async () => {
    const inner = new MemoryStore({ maxBytes: 1 << 20 });
    const calls: string[] = [];
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const store: ResponseStore = {
      kind: 'test',
      get: (k) => (calls.push('get'), inner.get(k)),
      set: async (k, v, ttl) => {
        calls.push('set');
        await slow;
        return inner.set(k, v, ttl);
      },
      purge: (f) => inner.purge(f),
      stats: () => inner.stats(),
      close: async () => void calls.push('close'),
    };
    const { cache } = setup(store);
    const writing = cache.save(key, value, 60_000);
    const closing = cache.close();
    expect(cache.close()).toBe(closing);
    expect(await cache.lookup(key, 50)).toBeUndefined();
    await cache.save(key, value, 60_000);
    await Promise.resolve();
    expect(calls).toEqual(['set']); // the store is not closed while the write is running
    release();
    await Promise.all([writing, closing]);
    expect(calls).toEqual(['set', 'close']);
  });

  it('closes a store whose calls hang, and leaves a store whose close hangs, each after the bound', async () => {
    const store = controlledStore();
    store.mode = 'hang';
    store.close = () => new Promise(() => undefined);
    const cache = new ResponseCache({ store, metrics: new CacheMetrics(new MeterProvider().getMeter('t')), logger: pino({ level: 'silent' }), closeTimeoutMs: 20 });
    const looking = cache.lookup(key, 100);
    await cache.close();
    expect(await looking).toBeUndefined();
  });
});

