/**
 * Rate limits through the real service, the Envoy-protocol harness and the official SDKs:
 * requests and tokens per minute per key and project, 429 in the client API's shape with
 * `retry-after` and the `x-ratelimit-*` headers, the OpenAI SDK's own retry waiting the time we
 * ask for, and counters shared by two service instances on one real Redis.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CounterStoreError, type CounterStore } from '../../src/rate-limits/counter-store.js';
import { LeasedCounterStore } from '../../src/rate-limits/leased-store.js';
import { RedisCounterStore } from '../../src/rate-limits/redis-store.js';
import { WINDOW_MS } from '../../src/rate-limits/sliding-window.js';
import { FakeKeyLookup, gatewayKey } from '../support/fake-keys.js';
import { chatCompletionJson } from '../support/openai-bodies.js';
import { createTestRedis, type TestRedis } from '../support/redis.js';
import { startService, type TestService } from '../support/service.js';
import { jsonReply, startSingleRoute, type SingleRoute } from '../support/single-route.js';
import { providerFixture } from '../support/provider-fixtures.js';

const COMPLETION = chatCompletionJson({ id: 'chatcmpl-rl', model: 'gpt-4o-mini', usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100 } });

const keys = () =>
  new FakeKeyLookup({
    'gk-a': gatewayKey({ id: 'aaaaaaaaaaaaaaaa', project: 'team-a' }),
    'gk-b': gatewayKey({ id: 'bbbbbbbbbbbbbbbb', project: 'team-b' }),
    'gk-c': gatewayKey({ id: 'cccccccccccccccc', project: 'team-c' }),
  });

const CONFIG = `
auth: { enabled: true }
admin: { token: { key: rate-limit-admin-token } }
rateLimits:
  limits:
    - { name: per-key, per: [key], requestsPerMinute: 2, rules: [openai] }
    - { name: team-c-tokens, per: [project], tokensPerMinute: 1500, rules: [tokens] }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai }]
  - name: tokens
    headers: [{ name: x-ai-eg-model, exact: token-model }]
    backends: [{ name: openai }]
  - name: anthropic
    headers: [{ name: x-ai-eg-model, prefix: "claude-" }]
    backends: [{ name: anthropic }]
`;

describe('rate limits, in memory', () => {
  let svc: TestService;
  let openai: SingleRoute;
  let tokens: SingleRoute;

  beforeAll(async () => {
    // The window clock starts 1 s into a minute of its own, so no minute turns during these tests.
    const shift = (Math.floor(Date.now() / WINDOW_MS) + 5) * WINDOW_MS + 1_000 - Date.now();
    svc = await startService({ yaml: CONFIG, keys: keys(), now: () => Date.now() + shift });
    openai = await startSingleRoute({ processorAddress: svc.target, rule: 'openai', handler: jsonReply(COMPLETION) });
    tokens = await startSingleRoute({ processorAddress: svc.target, rule: 'tokens', handler: jsonReply(COMPLETION) });
  });
  afterAll(async () => {
    await openai?.close();
    await tokens?.close();
    await svc?.stop();
  });

  const client = (route: SingleRoute, key: string, maxRetries = 0) => new OpenAI({ baseURL: `${route.harness.url}/v1`, apiKey: key, maxRetries });
  const ask = (route: SingleRoute, key: string, model = 'gpt-4o-mini') => client(route, key).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).withResponse();

  it('admits a key’s requests up to its limit, telling the client what is left', async () => {
    const first = await ask(openai, 'gk-a');
    expect(first.response.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(first.response.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?(ms|s)$|m/);
    const second = await ask(openai, 'gk-a');
    expect(second.response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
  });

  it('refuses the next with 429 in the OpenAI shape, retry-after and the same headers; the provider is not called', async () => {
    const before = openai.upstream.requests.length;
    const err = await ask(openai, 'gk-a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const e = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e.code).toBe('rate_limited');
    expect(e.message).toMatch(/per-key/);
    expect(Number(e.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(e.headers?.get('retry-after'))).toBeLessThanOrEqual(120);
    expect(e.headers?.get('x-ratelimit-limit-requests')).toBe('2');
    expect(e.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(openai.upstream.requests.length).toBe(before);
    // Another key has its own counter.
    expect((await ask(openai, 'gk-b')).data.id).toBe('chatcmpl-rl');
    expect(await svc.metricsText()).toMatch(/llm_extproc_rate_limit_limited_total\{[^}]*llm_extproc_rate_limit_name="per-key"[^}]*\} 1/);
  });

  it('shows a subject’s current usage on the admin API', async () => {
    const res = await fetch(`${svc.adminUrl}/admin/rate-limits?key=aaaaaaaaaaaaaaaa&project=team-a`, { headers: { authorization: 'Bearer rate-limit-admin-token' } });
    expect(res.status).toBe(200);
    const { limits } = (await res.json()) as { limits: Array<Record<string, unknown>> };
    expect(limits.find((l) => l['name'] === 'per-key')).toMatchObject({ counted: true, requests: { limit: 2, used: 2, remaining: 0 }, tokens: null });
    expect(limits.find((l) => l['name'] === 'team-c-tokens')).toMatchObject({ counted: true, requests: null, tokens: { limit: 1500, used: 0 } });
  });

  it('charges tokens when the usage is known, and refuses once the minute’s tokens are spent', async () => {
    // 1500 tokens a minute for team-c; each answer uses 1100: the second is admitted (1100 used
    // when it asks), the third is not (2200). The overrun is the request in flight, no more.
    await ask(tokens, 'gk-c', 'token-model');
    await expect.poll(async () => (await ask(tokens, 'gk-c', 'token-model').then(() => 'ok').catch((e: unknown) => (e as { status?: number }).status)) === 429, { timeout: 5000, interval: 50 }).toBe(true);
    const err = await ask(tokens, 'gk-c', 'token-model').catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('x-ratelimit-limit-tokens')).toBe('1500');
  });

  it('answers an Anthropic client in the Anthropic error shape', async () => {
    const svc2 = await startService({ yaml: CONFIG.replace('rules: [openai] }', 'rules: [anthropic] }'), keys: keys() });
    const route = await startSingleRoute({ processorAddress: svc2.target, rule: 'anthropic', handler: jsonReply(providerFixture('anthropic-message.json').toString()) });
    try {
      const client = new Anthropic({ baseURL: route.harness.url, apiKey: 'gk-a', maxRetries: 0 });
      const ask2 = () => client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
      await ask2();
      await ask2();
      const err = await ask2().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.RateLimitError);
      expect(((err as InstanceType<typeof Anthropic.RateLimitError>).error as { type?: string }).type).toBe('error');
    } finally {
      await route.close();
      await svc2.stop();
    }
  });
});

describe('the OpenAI SDK’s retry', () => {
  it('waits the time retry-after asks for, then succeeds', async () => {
    // The window clock is real time shifted: two requests in one minute, then the clock moves to
    // 29 s into the next minute, where the estimate is 2 × 31/60 ≈ 1.03: one more does not fit
    // until 30 s (estimate 1), so retry-after-ms is about 1000.
    let shift = 0;
    const now = () => Date.now() + shift;
    const svc = await startService({ yaml: CONFIG, keys: keys(), now });
    const route = await startSingleRoute({ processorAddress: svc.target, rule: 'openai', handler: jsonReply(COMPLETION) });
    try {
      const client = new OpenAI({ baseURL: `${route.harness.url}/v1`, apiKey: 'gk-a', maxRetries: 1 });
      const ask = () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      // Both first requests 1 s into a minute of their own, whatever the real time.
      const minute = (Math.floor(Date.now() / WINDOW_MS) + 5) * WINDOW_MS;
      shift = minute + 1_000 - Date.now();
      await ask();
      await ask();
      shift = minute + WINDOW_MS + 29_000 - Date.now();
      const seen = route.upstream.requests.length;
      const asked = Date.now();
      await ask(); // 429 first; the SDK waits and retries
      const took = Date.now() - asked;
      expect(route.upstream.requests.length).toBe(seen + 1);
      expect(took).toBeGreaterThanOrEqual(900);
      expect(took).toBeLessThan(10_000);
    } finally {
      await route.close();
      await svc.stop();
    }
  });
});

describe('rate limits on Redis', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await createTestRedis();
  });
  afterAll(async () => {
    await redis?.drop();
  });

  const store = (url = redis.url, timeoutMs = 1000) => new RedisCounterStore({ url, keyPrefix: redis.prefix, timeoutMs, logger: pino({ level: 'silent' }) });
  /** The store `serve` opens by default: leases over the Redis store. */
  const leasedStore = (fraction = 0.01, prefix = redis.prefix) =>
    new LeasedCounterStore(new RedisCounterStore({ url: redis.url, keyPrefix: prefix, timeoutMs: 1000, logger: pino({ level: 'silent' }) }), { fraction, syncMs: 100, logger: pino({ level: 'silent' }) });
  const SHARED = `
auth: { enabled: true }
rateLimits:
  limits:
    - { name: per-project, per: [project], requestsPerMinute: 10 }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai }]
`;

  /** `count` concurrent requests of gk-a, alternating between two service instances over the given stores; their statuses and the provider's count. */
  async function twoInstances(yaml: string, stores: [CounterStore, CounterStore], count: number) {
    // The window clock starts 1 s into a minute of its own, so no minute turns during the test.
    const shift = (Math.floor(Date.now() / WINDOW_MS) + 5) * WINDOW_MS + 1_000 - Date.now();
    const now = () => Date.now() + shift;
    const a = await startService({ yaml, keys: keys(), rateLimitStore: stores[0], now });
    const b = await startService({ yaml, keys: keys(), rateLimitStore: stores[1], now });
    const ra = await startSingleRoute({ processorAddress: a.target, handler: jsonReply(COMPLETION) });
    const rb = await startSingleRoute({ processorAddress: b.target, handler: jsonReply(COMPLETION) });
    try {
      const statuses = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          new OpenAI({ baseURL: `${(i % 2 ? ra : rb).harness.url}/v1`, apiKey: 'gk-a', maxRetries: 0 }).chat.completions
            .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
            .then(() => 200)
            .catch((e: unknown) => (e as { status?: number }).status),
        ),
      );
      return { statuses, upstream: ra.upstream.requests.length + rb.upstream.requests.length };
    } finally {
      await ra.close();
      await rb.close();
      await a.stop();
      await b.stop();
    }
  }

  it('with leases of one request (10 × 0.01), two instances still admit exactly the limit', async () => {
    const { statuses, upstream } = await twoInstances(SHARED, [leasedStore(0.01, `${redis.prefix}l1:`), leasedStore(0.01, `${redis.prefix}l1:`)], 30);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    expect(upstream).toBe(10);
  });

  it('with leases of 10 (200 × 0.05), two instances under 300 concurrent requests admit at most the limit, at most a lease each less', async () => {
    const yaml = SHARED.replace('requestsPerMinute: 10', 'requestsPerMinute: 200');
    const prefix = `${redis.prefix}l10:`;
    const { statuses, upstream } = await twoInstances(yaml, [leasedStore(0.05, prefix), leasedStore(0.05, prefix)], 300);
    const admitted = statuses.filter((s) => s === 200).length;
    expect(admitted).toBeLessThanOrEqual(200);
    expect(admitted).toBeGreaterThanOrEqual(200 - 2 * 10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(300 - admitted);
    expect(upstream).toBe(admitted);
  });

  it('with leases, x-ratelimit-remaining-requests counts every request, local or not', async () => {
    const yaml = SHARED.replace('requestsPerMinute: 10', 'requestsPerMinute: 200');
    const svc = await startService({ yaml, keys: keys(), rateLimitStore: leasedStore(0.05, `${redis.prefix}hdr:`) });
    const route = await startSingleRoute({ processorAddress: svc.target, handler: jsonReply(COMPLETION) });
    try {
      const client = new OpenAI({ baseURL: `${route.harness.url}/v1`, apiKey: 'gk-a', maxRetries: 0 });
      const remaining: string[] = [];
      for (let i = 0; i < 12; i++) {
        const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
        remaining.push(response.headers.get('x-ratelimit-remaining-requests')!);
      }
      // 12 requests over two leases of 10: what is left goes down by one each time, not by a lease.
      expect(remaining).toEqual(Array.from({ length: 12 }, (_, i) => String(199 - i)));
    } finally {
      await route.close();
      await svc.stop();
    }
  });

  it('with leases, a background sync that fails is counted as a store error, and the request path goes on', async () => {
    const yaml = SHARED.replace('requestsPerMinute: 10 }', 'requestsPerMinute: 10, tokensPerMinute: 100000 }');
    const inner = new RedisCounterStore({ url: redis.url, keyPrefix: `${redis.prefix}sync:`, timeoutMs: 1000, logger: pino({ level: 'silent' }) });
    inner.sync = () => Promise.reject(new CounterStoreError('sync refused by the test'));
    const svc = await startService({ yaml, keys: keys(), rateLimitStore: new LeasedCounterStore(inner, { fraction: 0.5, syncMs: 20, chargeDelayMs: 1, logger: pino({ level: 'silent' }) }) });
    const route = await startSingleRoute({ processorAddress: svc.target, handler: jsonReply(COMPLETION) });
    try {
      const client = new OpenAI({ baseURL: `${route.harness.url}/v1`, apiKey: 'gk-a', maxRetries: 0 });
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      await expect.poll(() => svc.metricsText(), { timeout: 5000 }).toMatch(/llm_extproc_rate_limit_store_errors_total\{[^}]*failure_mode="open"[^}]*\} [1-9]/);
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    } finally {
      await route.close();
      await svc.stop();
    }
  });

  it('two service instances on one Redis admit exactly one limit between them, under concurrency', async () => {
    const { statuses, upstream } = await twoInstances(SHARED, [store(), store()], 30);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    expect(upstream).toBe(10);
  });

  it('with Redis unreachable, fails open (admitted, counted) or closed (503), within the timeout; leased or not', async () => {
    const unreachable = () => store('redis://127.0.0.1:1', 50);
    for (const [mode, rateLimitStore] of [
      ['open', unreachable()],
      ['closed', unreachable()],
      ['open', new LeasedCounterStore(unreachable(), { fraction: 0.5, syncMs: 100, logger: pino({ level: 'silent' }) })],
      ['closed', new LeasedCounterStore(unreachable(), { fraction: 0.5, syncMs: 100, logger: pino({ level: 'silent' }) })],
    ] as const) {
      const svc = await startService({ yaml: `${SHARED}\n`.replace('rateLimits:\n', `rateLimits:\n  failureMode: ${mode}\n`), keys: keys(), rateLimitStore });
      const route = await startSingleRoute({ processorAddress: svc.target, handler: jsonReply(COMPLETION) });
      try {
        const status = await new OpenAI({ baseURL: `${route.harness.url}/v1`, apiKey: 'gk-a', maxRetries: 0 }).chat.completions
          .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
          .then(() => 200)
          .catch((e: unknown) => (e as { status?: number }).status);
        expect(status).toBe(mode === 'open' ? 200 : 503);
        expect(await svc.metricsText()).toMatch(new RegExp(`llm_extproc_rate_limit_store_errors_total\\{[^}]*failure_mode="${mode}"[^}]*\\} 1`));
      } finally {
        await route.close();
        await svc.stop();
      }
    }
  });
});

describe('budgets on the shared counters', () => {
  it('two replicas on one Redis admit one budget between them, not one each', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { parseConfig } = await import('../../src/config/load.js');
    const { accessRuntimeFor } = await import('../../src/access/access-runtime.js');
    const { LedgerRuntime } = await import('../../src/ledger/ledger-runtime.js');
    const { sqlDbOf } = await import('../../src/ledger/open-ledger.js');
    const redis = await createTestRedis();
    const dir = await mkdtemp(join(tmpdir(), 'shared-budget-'));
    // 300 tokens an answer, 1000 a day for team-a: one budget's worth is 4 answers (the fourth
    // is admitted with 900 spent). Each replica has its own database (no sync between them):
    // only the shared counters can stop the second replica.
    const answer = chatCompletionJson({ id: 'chatcmpl-b', model: 'gpt-4o-mini', usage: { prompt_tokens: 200, completion_tokens: 100, total_tokens: 300 } });
    const replicas: Array<{ svc: TestService; route: SingleRoute }> = [];
    try {
      for (const name of ['a', 'b']) {
        const loaded = parseConfig(
          `
auth: { enabled: true, store: { driver: sqlite, path: ${JSON.stringify(join(dir, `${name}.db`))} } }
ledger: { enabled: true, budgetSyncIntervalMs: 3600000 }
budgets: [{ project: team-a, window: day, maxTokens: 1000 }]
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai }]
`,
          join(dir, `${name}.yaml`),
        );
        const access = accessRuntimeFor(loaded, { logger: pino({ level: 'silent' }), cwd: dir });
        await access.store();
        const store = new RedisCounterStore({ url: redis.url, keyPrefix: redis.prefix, timeoutMs: 1000, logger: pino({ level: 'silent' }) });
        const svc = await startService({
          loaded,
          cwd: dir,
          keys: keys(),
          access,
          rateLimitStore: store,
          ledger: async (meter, logger) => {
            const l = new LedgerRuntime({ db: async () => sqlDbOf(await access.store()), config: loaded.config.ledger, spillPath: join(dir, `${name}.spill`), meter, logger, sharedSpend: store.spend });
            await l.start();
            return l;
          },
        });
        replicas.push({ svc, route: await startSingleRoute({ processorAddress: svc.target, handler: jsonReply(answer) }) });
      }
      const finished = () => replicas.reduce((n, r) => n + r.svc.logs.filter((l) => l['msg'] === 'request finished').length, 0);
      let admitted = 0;
      for (let i = 0; i < 12; i++) {
        const r = replicas[i % 2]!;
        const status = await new OpenAI({ baseURL: `${r.route.harness.url}/v1`, apiKey: 'gk-a', maxRetries: 0 }).chat.completions
          .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
          .then(() => 200)
          .catch((e: unknown) => (e as { status?: number }).status);
        if (status === 200) admitted++;
        else expect(status).toBe(429);
        // A request's spend is recorded after its reply went out: wait for it, as a client's next request would come later.
        await expect.poll(finished).toBe(i + 1);
      }
      // Alone, each replica would admit 4 (8 in all, 2.4× the budget); together, the budget plus
      // at most the request in flight.
      expect(admitted).toBeGreaterThanOrEqual(4);
      expect(admitted).toBeLessThanOrEqual(5);
    } finally {
      for (const r of replicas) {
        await r.route.close();
        await r.svc.stop();
      }
      await redis.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('limits of a key and a project, from the key store', () => {
  it('a key’s own limit (admin API) is a limit of its own; a project’s replaces the config’s per-project numbers', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { parseConfig } = await import('../../src/config/load.js');
    const { accessRuntimeFor } = await import('../../src/access/access-runtime.js');
    const dir = await mkdtemp(join(tmpdir(), 'own-limits-'));
    const loaded = parseConfig(
      `
auth: { enabled: true, store: { driver: sqlite, path: ${JSON.stringify(join(dir, 'gw.db'))} }, cache: { ttlMs: 0 } }
admin: { token: { key: own-limits-admin-token } }
rateLimits:
  limits:
    - { name: per-project, per: [project], requestsPerMinute: 100 }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai }]
`,
      join(dir, 'config.yaml'),
    );
    const access = accessRuntimeFor(loaded, { logger: pino({ level: 'silent' }), cwd: dir });
    const shift = (Math.floor(Date.now() / WINDOW_MS) + 5) * WINDOW_MS + 1_000 - Date.now();
    const svc = await startService({ loaded, cwd: dir, keys: access.keys, access, now: () => Date.now() + shift });
    const route = await startSingleRoute({ processorAddress: svc.target, handler: jsonReply(COMPLETION) });
    const admin = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${svc.adminUrl}${path}`, { method, headers: { authorization: 'Bearer own-limits-admin-token', 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return (await res.json()) as Record<string, any>;
    };
    const ask = (key: string) =>
      new OpenAI({ baseURL: `${route.harness.url}/v1`, apiKey: key, maxRetries: 0 }).chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
        .then(() => 200)
        .catch((e: unknown) => (e as { status?: number; message?: string }).status);
    try {
      await admin('POST', '/admin/projects', { name: 'team-x' });
      const one = await admin('POST', '/admin/keys', { project: 'team-x', name: 'one-a-minute', rateLimits: { requestsPerMinute: 1 } });
      const other = await admin('POST', '/admin/keys', { project: 'team-x', name: 'plain' });
      expect(one['key'].rateLimits).toEqual({ requestsPerMinute: 1 });
      expect(await ask(one['secret'])).toBe(200);
      expect(await ask(one['secret'])).toBe(429); // its own limit, named "key"
      expect(await ask(other['secret'])).toBe(200); // the project's config limit (100) has room
      // The project's own number replaces the config's 100: 2 requests admitted so far (a refused
      // request takes nothing), 2 allowed.
      expect((await admin('PATCH', '/admin/projects/team-x', { rateLimits: { requestsPerMinute: 2 } }))['project'].rateLimits).toEqual({ requestsPerMinute: 2 });
      expect(await ask(other['secret'])).toBe(429);
      const audit = await admin('GET', '/admin/audit?target=project:team-x');
      expect(audit['entries'].map((e: { action: string }) => e.action)).toContain('project.rate_limits');
    } finally {
      await route.close();
      await svc.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
