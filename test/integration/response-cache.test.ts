/**
 * The response cache end to end with the memory store: the official OpenAI and Anthropic SDKs
 * through the Envoy-protocol harness and the real service, gateway keys of two projects, the
 * ledger in SQLite with a price table, the admin API. A hit is answered without calling the
 * provider, replays a stream byte for byte, and is recorded with the original tokens, cost 0
 * and the cost saved.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../harness/harness.js';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream.js';
import { loadCassette } from '../support/cassettes.js';
import { FakeKeyLookup, gatewayKey } from '../support/fake-keys.js';
import { chatCompletionJson } from '../support/openai-bodies.js';
import { sampleSum } from '../support/prometheus.js';
import { startLedgerService, type LedgerService } from '../support/ledger-service.js';
import { providerFixture } from '../support/provider-fixtures.js';
import type { TestService } from '../support/service.js';

const TOKEN = 'cache-admin-token-1234';
const KEY_A = 'gk-team-a-0001';
const KEY_B = 'gk-team-b-0002';
const KEY_C = 'gk-team-c-0003';
const COMPLETION = chatCompletionJson({ id: 'chatcmpl-cache-1', model: 'gpt-4o-2024-08-06', content: 'cached answer', usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100 } });
/** (1000 × 2.50 + 100 × 10) / 1e6 */
const EXPECTED_COST = 0.0035;
const STREAM = loadCassette('chat-streaming-detailed-usage').interactions[0]!.response.body;

let dir: string;
let svc: TestService;
let service: LedgerService;
let harness: Harness;
const upstreams: Record<string, MockUpstream> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cache-it-'));
  await writeFile(join(dir, 'prices.yaml'), 'models:\n  - { provider: openai, model: "gpt-4o*", input: 2.50, cachedInput: 1.25, output: 10.00 }\n');
  const keys = new FakeKeyLookup();
  keys.set(KEY_A, gatewayKey({ id: 'aaaaaaaaaaaaaaaa', project: 'team-a' }));
  keys.set(KEY_B, gatewayKey({ id: 'bbbbbbbbbbbbbbbb', project: 'team-b' }));
  keys.set(KEY_C, gatewayKey({ id: 'cccccccccccccccc', project: 'team-c' }));
  service = await startLedgerService({
    dir,
    keys,
    yaml: `
admin: { token: { key: ${TOKEN} } }
pricing: { file: prices.yaml }
cache: { enabled: true, lookupTimeoutMs: 50, deny: { projects: [team-c] } }
rateLimits: { limits: [{ name: tokens, per: [project], models: ["gpt-4o-tok*"], tokensPerMinute: 1500 }] }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai }]
  - name: anthropic
    headers: [{ name: x-ai-eg-model, prefix: "claude-" }]
    backends: [{ name: anthropic }]
  - name: deterministic
    headers: [{ name: x-ai-eg-model, prefix: "det-" }]
    backends: [{ name: openai }]
    cache: { mode: deterministic }
  - name: uncached
    headers: [{ name: x-ai-eg-model, prefix: "nocache-" }]
    backends: [{ name: openai }]
    cache: { enabled: false }
`,
  });
  svc = service.svc;
  upstreams['openai'] = await startMockUpstream({
    handler: (req, res) => {
      const body = JSON.parse(req.body.toString() || '{}') as { stream?: boolean; model?: string };
      if (body.model === 'gpt-fail') {
        res.writeHead(500, { 'content-type': 'application/json' });
        return void res.end('{"error":{"message":"boom","type":"server_error"}}');
      }
      if (body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const half = Math.floor(STREAM.length / 2);
        res.write(STREAM.slice(0, half));
        return void res.end(STREAM.slice(half));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(COMPLETION);
    },
  });
  upstreams['anthropic'] = await startMockUpstream({
    handler: (req, res) => {
      const body = JSON.parse(req.body.toString()) as { stream?: boolean };
      res.writeHead(200, { 'content-type': body.stream ? 'text/event-stream' : 'application/json' });
      res.end(providerFixture(body.stream ? 'anthropic-message-stream.txt' : 'anthropic-message.json'));
    },
  });
  harness = await startHarness({
    processorAddress: svc.target,
    mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
    allowModeOverride: true,
    routes: ['openai', 'anthropic', 'deterministic', 'uncached'].map((r) => ({ header: 'x-ai-eg-selected-route', value: r, upstream: r === 'anthropic' ? 'anthropic' : 'openai' })),
    upstreams,
  });
});

afterAll(async () => {
  await harness?.close();
  await Promise.all(Object.values(upstreams).map((u) => u.close()));
  await svc?.stop();
  await rm(dir, { recursive: true, force: true });
});

const openai = (key: string, headers: Record<string, string> = {}) => new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: key, maxRetries: 0, defaultHeaders: headers });
const calls = (u: string) => upstreams[u]!.requests.length;
let prompt = 0;
/** A prompt no other test sends. */
const fresh = () => `question ${++prompt} ${Math.random()}`;

/** POSTs a chat completion with fetch; the raw answer. */
async function post(key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function waitStores(n: number): Promise<void> {
  await harness.settled();
  await expect.poll(async () => sampleSum(await svc.metricsText(), 'llm_extproc_cache_stores_total', {})).toBeGreaterThanOrEqual(n);
}

const storesNow = async () => sampleSum(await svc.metricsText(), 'llm_extproc_cache_stores_total', {});

describe('response cache (memory store)', () => {
  it('answers a repeated chat completion from the cache: the provider is called once, the body is the same', async () => {
    const content = fresh();
    const before = calls('openai');
    const s0 = await storesNow();
    const first = await post(KEY_A, { model: 'gpt-4o', messages: [{ role: 'user', content }] });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-llm-extproc-cache')).toBe('miss');
    await waitStores(s0 + 1);
    // Same request with keys in another order and an ignored field: the same entry.
    const second = await post(KEY_A, { messages: [{ content, role: 'user' }], user: 'someone', model: 'gpt-4o' });
    expect(second.status).toBe(200);
    expect(second.headers.get('x-llm-extproc-cache')).toBe('hit');
    expect(Number(second.headers.get('age'))).toBeGreaterThanOrEqual(0);
    expect(second.headers.get('content-type')).toBe('application/json');
    expect(second.bytes.equals(first.bytes)).toBe(true);
    expect(calls('openai') - before).toBe(1);
    const completion = await openai(KEY_A).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content }] });
    expect(completion.choices[0]?.message.content).toBe('cached answer');
    expect(calls('openai') - before).toBe(1);
    expect(harness.violations).toEqual([]);
  });

  it('replays a stream byte for byte, and the OpenAI SDK reads the hit as a normal stream', async () => {
    const content = fresh();
    const before = calls('openai');
    const s0 = await storesNow();
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content }], stream: true };
    const miss = await post(KEY_A, body);
    expect(miss.headers.get('x-llm-extproc-cache')).toBe('miss');
    await waitStores(s0 + 1);
    const hit = await post(KEY_A, body);
    expect(hit.headers.get('x-llm-extproc-cache')).toBe('hit');
    expect(hit.headers.get('content-type')).toContain('text/event-stream');
    expect(hit.bytes.equals(miss.bytes)).toBe(true);
    const stream = await openai(KEY_A).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content }], stream: true });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    const recorded = STREAM.split('\n').filter((l) => l.startsWith('data: {'));
    expect(chunks).toHaveLength(recorded.length - 1); // the injected usage chunk stays stripped
    expect(calls('openai') - before).toBe(1);
  });

  it('replays an Anthropic stream the Anthropic SDK reads as the same message', async () => {
    const client = new Anthropic({ baseURL: harness.url, apiKey: KEY_A, maxRetries: 0 });
    const content = fresh();
    const before = calls('anthropic');
    const s0 = await storesNow();
    const ask = () => client.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content }] }).finalMessage();
    const first = await ask();
    await waitStores(s0 + 1);
    const second = await ask();
    expect(second).toEqual(first);
    expect(calls('anthropic') - before).toBe(1);
  });

  it('never serves one project the entry of another', async () => {
    const content = fresh();
    const before = calls('openai');
    const s0 = await storesNow();
    const a = await post(KEY_A, { model: 'gpt-4o', messages: [{ role: 'user', content }] });
    await waitStores(s0 + 1);
    const b = await post(KEY_B, { model: 'gpt-4o', messages: [{ role: 'user', content }] });
    expect(a.headers.get('x-llm-extproc-cache')).toBe('miss');
    expect(b.headers.get('x-llm-extproc-cache')).toBe('miss');
    expect(calls('openai') - before).toBe(2);
  });

  it('follows the client: no-store bypasses, no-cache refreshes; a denied project bypasses', async () => {
    const content = fresh();
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content }] };
    const before = calls('openai');
    const s0 = await storesNow();
    const noStore = await post(KEY_A, body, { 'cache-control': 'no-store' });
    expect(noStore.headers.get('x-llm-extproc-cache')).toBe('bypass');
    await harness.settled();
    expect(await storesNow()).toBe(s0);
    const noCache = await post(KEY_A, body, { 'cache-control': 'no-cache' });
    expect(noCache.headers.get('x-llm-extproc-cache')).toBe('miss');
    await waitStores(s0 + 1);
    expect((await post(KEY_A, body)).headers.get('x-llm-extproc-cache')).toBe('hit');
    expect(calls('openai') - before).toBe(2);
    const denied = await post(KEY_C, body);
    expect(denied.headers.get('x-llm-extproc-cache')).toBe('bypass');
    expect(calls('openai') - before).toBe(3);
  });

  it('stores only 2xx, only deterministic requests where the rule says so, and nothing where the rule is off', async () => {
    const before = calls('openai');
    const failing = { model: 'gpt-fail', messages: [{ role: 'user', content: fresh() }] };
    expect((await post(KEY_A, failing)).status).toBe(500);
    await harness.settled();
    expect((await post(KEY_A, failing)).headers.get('x-llm-extproc-cache')).toBe('miss');
    const random = { model: 'det-model', messages: [{ role: 'user', content: fresh() }], temperature: 0.7 };
    expect((await post(KEY_A, random)).headers.get('x-llm-extproc-cache')).toBe('bypass');
    const s0 = await storesNow();
    const det = { model: 'det-model', messages: [{ role: 'user', content: fresh() }], temperature: 0 };
    expect((await post(KEY_A, det)).headers.get('x-llm-extproc-cache')).toBe('miss');
    await waitStores(s0 + 1);
    expect((await post(KEY_A, det)).headers.get('x-llm-extproc-cache')).toBe('hit');
    const off = { model: 'nocache-model', messages: [{ role: 'user', content: fresh() }] };
    expect((await post(KEY_A, off)).headers.get('x-llm-extproc-cache')).toBeNull();
    expect(calls('openai') - before).toBe(5);
  });

  it('records a hit in the ledger with the original tokens, cost 0 and the cost saved; counts it in metrics', async () => {
    const content = fresh();
    const s0 = await storesNow();
    await post(KEY_B, { model: 'gpt-4o', messages: [{ role: 'user', content }] });
    await waitStores(s0 + 1);
    const hit = await post(KEY_B, { model: 'gpt-4o', messages: [{ role: 'user', content }] }, { 'x-request-id': 'cache-hit-ledger-1' });
    expect(hit.headers.get('x-llm-extproc-cache')).toBe('hit');
    const row = await service.row('cache-hit-ledger-1');
    expect(Number(row['input_tokens'])).toBe(1000);
    expect(Number(row['output_tokens'])).toBe(100);
    expect(Number(row['cost_usd'])).toBe(0);
    expect(Number(row['cost_saved_usd'])).toBeCloseTo(EXPECTED_COST, 12);
    expect(row['project']).toBe('team-b');
    const summary = await fetch(`${svc.adminUrl}/admin/usage/summary?from=${new Date(Date.now() - 3_600_000).toISOString()}&project=team-b`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const totals = ((await summary.json()) as { groups: Array<{ costSavedUsd: number }> }).groups[0]!;
    expect(totals.costSavedUsd).toBeCloseTo(EXPECTED_COST, 12);
    const metrics = await svc.metricsText();
    expect(sampleSum(metrics, 'llm_extproc_cache_requests_total', { llm_extproc_cache_result: 'hit' })).toBeGreaterThan(0);
    expect(sampleSum(metrics, 'llm_extproc_cache_saved_cost_total', {})).toBeGreaterThanOrEqual(EXPECTED_COST);
    const line = svc.logs.find((l) => l['answered_by'] === 'cache' && typeof l['cost_saved_usd'] === 'number');
    expect(line?.['input_tokens']).toBeGreaterThan(0);
  });

  it('reports its size and purges by model through the admin API', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const content = fresh();
    const s0 = await storesNow();
    await post(KEY_A, { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
    await waitStores(s0 + 1);
    const stats = (await (await fetch(`${svc.adminUrl}/admin/cache/stats`, { headers: auth })).json()) as { store: string; entries: number; bytes: number };
    expect(stats.store).toBe('memory');
    expect(stats.entries).toBeGreaterThan(0);
    expect(stats.bytes).toBeGreaterThan(0);
    const purge = await fetch(`${svc.adminUrl}/admin/cache/purge`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini' }) });
    expect(purge.status).toBe(200);
    expect(((await purge.json()) as { purged: number }).purged).toBe(1);
    expect((await post(KEY_A, { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] })).headers.get('x-llm-extproc-cache')).toBe('miss');
    const bad = await fetch(`${svc.adminUrl}/admin/cache/purge`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ colour: 'red' }) });
    expect(bad.status).toBe(400);
    expect((await fetch(`${svc.adminUrl}/admin/cache/stats`)).status).toBe(401);
  });

  it('charges a token rate limit for a miss, never for a hit (no provider tokens were used)', async () => {
    const s0 = await storesNow();
    const ask = (content: string) => post(KEY_A, { model: 'gpt-4o-tok', messages: [{ role: 'user', content }] });
    const content = fresh();
    expect((await ask(content)).headers.get('x-llm-extproc-cache')).toBe('miss'); // 1100 of 1500 tokens
    await waitStores(s0 + 1);
    for (let i = 0; i < 2; i++) expect((await ask(content)).headers.get('x-llm-extproc-cache')).toBe('hit');
    await harness.settled();
    const next = await ask(fresh());
    expect(next.status).toBe(200);
    expect(next.headers.get('x-llm-extproc-cache')).toBe('miss');
  });
});
