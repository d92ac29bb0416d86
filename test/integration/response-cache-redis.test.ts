/**
 * The response cache with Redis: two service instances (two replicas) share an entry through
 * one Redis; a Redis that is down or unreachable makes every lookup a miss, quickly, and the
 * request still succeeds; a request carrying the client's own provider credential is neither
 * served from nor stored in the cache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../harness/harness.js';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream.js';
import { FakeKeyLookup, gatewayKey } from '../support/fake-keys.js';
import { chatCompletionJson } from '../support/openai-bodies.js';
import { sampleSum } from '../support/prometheus.js';
import { createTestRedis, type TestRedis } from '../support/redis.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { startService, type TestService } from '../support/service.js';

const COMPLETION = chatCompletionJson({ id: 'chatcmpl-redis-1', model: 'gpt-4o-mini', content: 'shared', usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 } });

const config = (url: string, prefix: string) => `
cache:
  enabled: true
  store: redis
  lookupTimeoutMs: 200
  redis: { url: { env: CACHE_REDIS_URL }, keyPrefix: "${prefix}", connectTimeoutMs: 500 }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai, auth: { apiKey: { key: sk-backend } } }]
  - name: byok
    headers: [{ name: x-ai-eg-model, prefix: "byok-" }]
    backends: [{ name: openai }]
  - name: keyed
    headers: [{ name: x-ai-eg-model, prefix: "keyed-" }]
    backends: [{ name: openai, auth: { apiKey: { key: sk-backend } } }]
    access: { required: true }
`;

let redis: TestRedis;
let upstream: MockUpstream;
const replicas: Array<{ svc: TestService; harness: Harness }> = [];

async function replica(url: string, prefix: string): Promise<{ svc: TestService; harness: Harness }> {
  const keys = new FakeKeyLookup();
  keys.set('gk-team-a', gatewayKey({ id: 'aaaaaaaaaaaaaaaa', project: 'team-a' }));
  keys.set('gk-team-a-2', gatewayKey({ id: 'a2a2a2a2a2a2a2a2', project: 'team-a' }));
  keys.set('gk-team-b', gatewayKey({ id: 'bbbbbbbbbbbbbbbb', project: 'team-b' }));
  const svc = await startService({ yaml: config(url, prefix), keys, readEnv: (n) => (n === 'CACHE_REDIS_URL' ? url : undefined) });
  const harness = await startHarness({
    processorAddress: svc.target,
    mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
    allowModeOverride: true,
    routes: ['openai', 'byok', 'keyed'].map((r) => ({ header: 'x-ai-eg-selected-route', value: r, upstream: 'openai' })),
    upstreams: { openai: upstream },
  });
  const r = { svc, harness };
  replicas.push(r);
  return r;
}

beforeAll(async () => {
  redis = await createTestRedis();
  upstream = await startMockUpstream({
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(COMPLETION);
    },
  });
});

afterAll(async () => {
  for (const r of replicas) {
    await r.harness.close();
    await r.svc.stop();
  }
  await upstream?.close();
  await redis?.drop();
});

async function post(h: Harness, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, cache: res.headers.get('x-llm-extproc-cache'), text: await res.text() };
}

const stores = async (svc: TestService) => sampleSum(await svc.metricsText(), 'llm_extproc_cache_stores_total');

describe('response cache (Redis store)', () => {
  it('lets a second replica answer from the entry the first stored', async () => {
    const a = await replica(redis.url, redis.prefix);
    const b = await replica(redis.url, redis.prefix);
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `shared ${Math.random()}` }] };
    const before = upstream.requests.length;
    const first = await post(a.harness, body);
    expect(first.cache).toBe('miss');
    await a.harness.settled();
    await expect.poll(() => stores(a.svc)).toBe(1);
    expect((await redis.client.keys(`${redis.prefix}*`)).length).toBe(1);
    const second = await post(b.harness, body);
    expect(second.cache).toBe('hit');
    expect(second.text).toBe(first.text);
    expect(upstream.requests.length - before).toBe(1);
    // The provider credential configured on the backend, never the client's, went upstream.
    expect(upstream.requests.at(-1)!.headers['authorization']).toBe('Bearer sk-backend');
  });

  it('keeps projects apart across replicas: another key of the same project hits, another project misses', async () => {
    const a = replicas[0]!;
    const b = replicas[1]!;
    const body = { model: 'keyed-model', messages: [{ role: 'user', content: `isolated ${Math.random()}` }] };
    const before = await stores(a.svc);
    expect((await post(a.harness, body, { authorization: 'Bearer gk-team-a' })).cache).toBe('miss');
    await a.harness.settled();
    await expect.poll(() => stores(a.svc)).toBe(before + 1);
    expect((await post(b.harness, body, { authorization: 'Bearer gk-team-b' })).cache).toBe('miss');
    expect((await post(b.harness, body, { authorization: 'Bearer gk-team-a-2' })).cache).toBe('hit');
  });

  it('neither serves nor stores a request carrying the client’s own provider credential', async () => {
    const { svc, harness } = replicas[0] ?? (await replica(redis.url, redis.prefix));
    const body = { model: 'byok-model', messages: [{ role: 'user', content: `own key ${Math.random()}` }] };
    const before = await stores(svc);
    const r = await post(harness, body, { authorization: 'Bearer sk-clients-own' });
    expect(r.status).toBe(200);
    expect(r.cache).toBe('bypass');
    expect((await post(harness, body, { authorization: 'Bearer sk-clients-own' })).cache).toBe('bypass');
    await harness.settled();
    expect(await stores(svc)).toBe(before);
  });

  it('treats an unreachable Redis as a miss: the request succeeds, the failure is logged once and counted', async () => {
    const { svc, harness } = await replica('redis://127.0.0.1:1', 'down:');
    const started = performance.now();
    for (let i = 0; i < 3; i++) {
      const r = await post(harness, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `down ${i}` }] });
      expect(r.status).toBe(200);
      expect(r.cache).toBe('miss');
    }
    expect(performance.now() - started).toBeLessThan(5_000);
    await harness.settled();
    await expect.poll(async () => sampleSum(await svc.metricsText(), 'llm_extproc_cache_errors_total')).toBeGreaterThanOrEqual(3);
    expect(svc.logs.filter((l) => String(l['msg']).includes('store failing'))).toHaveLength(1);
  });

  it('goes on through a Redis outage and uses the cache again once Redis is back', async () => {
    const target = new URL(redis.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    try {
      const { svc, harness } = await replica(`redis://127.0.0.1:${proxy.port}`, `${redis.prefix}outage:`);
      const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `outage ${Math.random()}` }] };
      expect((await post(harness, body)).cache).toBe('miss');
      await harness.settled();
      await expect.poll(() => stores(svc)).toBe(1);
      expect((await post(harness, body)).cache).toBe('hit');
      proxy.kill();
      for (let i = 0; i < 3; i++) {
        const r = await post(harness, body);
        expect(r.status).toBe(200);
        expect(r.cache).toBe('miss');
      }
      expect(svc.logs.filter((l) => String(l['msg']).includes('store failing'))).toHaveLength(1);
      proxy.revive();
      await expect.poll(async () => (await post(harness, body)).cache, { timeout: 10_000, interval: 200 }).toBe('hit');
      expect(svc.logs.filter((l) => String(l['msg']).includes('store recovered'))).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });
});
