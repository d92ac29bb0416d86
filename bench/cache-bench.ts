/**
 * The response cache's costs, measured in one run:
 *
 * - **hit vs full miss**: processor CPU (`process.cpuUsage`) per request for the same chat
 *   completion answered from the cache, and sent upstream as a miss (request headers and body,
 *   response headers and a 1.2 KB JSON body, the lookup and the store), alternating rounds. Both
 *   run the real RequestProcessor over a generation built as the service builds it; the gRPC
 *   transport is left out (a hit also saves it: one reply instead of four).
 * - **lookup p50/p99**: `ResponseCache.lookup` of an existing entry, memory store and Redis on
 *   loopback (`LLM_EXTPROC_TEST_REDIS_URL`, else redis://127.0.0.1:6379; skipped when none is
 *   reachable), and the whole cache hook's `onRequest` (canonical key, digest, lookup) with the
 *   memory store; and, with `streamKeys: shared`, that hook answering a hit in the other form
 *   (a whole entry as a stream, a stream entry as a whole response) against a hit served as
 *   stored, same config and run.
 *
 * Usage: `npm run bench:cache` (writes bench/cache-results.json).
 */
import { writeFileSync } from 'node:fs';
import { createNoopMeter } from '@opentelemetry/api';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { CacheMetrics } from '../src/cache/cache-metrics.js';
import { cacheHook } from '../src/cache/cache-hook.js';
import { MemoryStore } from '../src/cache/memory-store.js';
import { openRedisStore } from '../src/cache/redis-store.js';
import { ResponseCache } from '../src/cache/response-cache.js';
import type { CacheKey, StoredResponse } from '../src/cache/response-store.js';
import { parseConfig } from '../src/config/load.js';
import type { HookRequest } from '../src/hooks/hook.js';
import type { PhaseMessage } from '../src/hooks/phase.js';
import { genAiMetricsPerConfig } from '../src/metrics/genai-metrics.js';
import { RequestProcessor } from '../src/processor/request-processor.js';
import { buildGeneration } from '../src/server/build-generation.js';
import { percentile, significant } from './stats.js';

const CONFIG = `
cache: { enabled: true, lookupTimeoutMs: 50 }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai, auth: { apiKey: { key: sk-bench } } }]
`;
const COMPLETION = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content: 'x'.repeat(900) }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 120, completion_tokens: 200, total_tokens: 320 },
  }),
);
const messages = (n: number) => [
  { role: 'system', content: 'You are a helpful assistant. '.repeat(8) },
  { role: 'user', content: `Question number ${n}: summarise the following paragraph. ${'lorem ipsum '.repeat(40)}` },
];
const body = (n: number) => Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', messages: messages(n), temperature: 0 }));

const logger = pino({ level: 'silent' });
const meter = createNoopMeter();
const msg = (m: Omit<PhaseMessage, 'observabilityMode'>): PhaseMessage => ({ observabilityMode: false, ...m });
const REQUEST_HEADERS = { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', authorization: 'Bearer client' };

async function processorCpu(): Promise<{ hitUs: number; missUs: number }> {
  const cache = new ResponseCache({ store: new MemoryStore({ maxBytes: 256 * 1024 * 1024 }), metrics: new CacheMetrics(meter), logger });
  const loaded = parseConfig(CONFIG, 'bench config');
  const generation = await buildGeneration(loaded, 1, { meter, logger, createDefaultMetrics: genAiMetricsPerConfig(meter, logger), cwd: process.cwd(), cache, recorders: [] });
  const events = { passthrough: () => undefined, decision: () => undefined };
  const one = async (n: number): Promise<boolean> => {
    const p = new RequestProcessor({ generation, logger, events, warnStreamedOnce: () => undefined });
    await p.handle(msg({ phase: 'requestHeaders', headers: REQUEST_HEADERS, endOfStream: false }));
    const replies = await p.handle(msg({ phase: 'requestBody', body: body(n), endOfStream: true }));
    if (replies[0]?.kind === 'immediate') return true;
    await p.handle(msg({ phase: 'responseHeaders', headers: { ':status': '200', 'content-type': 'application/json' }, endOfStream: false }));
    await p.handle(msg({ phase: 'responseBody', body: COMPLETION, endOfStream: true }));
    p.finish('completed');
    return false;
  };
  const settle = () => new Promise((r) => setImmediate(r)).then(() => new Promise((r) => setTimeout(r, 1)));
  // The hit's entry, and warm-up of both paths.
  await one(0);
  await settle();
  if (!(await one(0))) throw new Error('bench: the stored request is not a hit');
  let next = 1;
  for (let i = 0; i < 2_000; i++) {
    await one(0);
    await one(next++);
  }
  await settle();
  const ROUNDS = 10;
  const PER_ROUND = 2_000;
  const hits: number[] = [];
  const misses: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let c = process.cpuUsage();
    for (let i = 0; i < PER_ROUND; i++) if (!(await one(0))) throw new Error('bench: a hit missed');
    let d = process.cpuUsage(c);
    hits.push((d.user + d.system) / PER_ROUND);
    c = process.cpuUsage();
    for (let i = 0; i < PER_ROUND; i++) if (await one(next++)) throw new Error('bench: a miss hit');
    await settle(); // the stores (outcome hooks) are part of a miss
    d = process.cpuUsage(c);
    misses.push((d.user + d.system) / PER_ROUND);
  }
  await cache.close();
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  return { hitUs: med(hits), missUs: med(misses) };
}

const ENTRY: StoredResponse = { status: 200, headers: [['content-type', 'application/json']], body: COMPLETION, storedAt: Date.now(), usage: { input: 120, output: 200, total: 320 }, costUsd: 0.0001 };

async function lookupMs(cache: ResponseCache, key: CacheKey, n: number): Promise<{ p50: number; p99: number }> {
  await cache.save(key, ENTRY, 3_600_000);
  for (let i = 0; i < 1_000; i++) await cache.lookup(key, 50);
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const got = await cache.lookup(key, 50);
    samples[i] = performance.now() - t;
    if (!got) throw new Error('bench: lookup missed');
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** The same completion as a stream of 60 chunks (the way providers send 900 characters), `[DONE]` last. */
const STREAMED = Buffer.from(
  [
    `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n`,
    ...Array.from({ length: 60 }, () => `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta: { content: 'x'.repeat(15) }, finish_reason: null }] })}\n\n`),
    `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
    'data: [DONE]\n\n',
  ].join(''),
);

/**
 * p50/p99 of the cache hook's `onRequest` answering a hit: the entry stored by a request of the
 * `stored` form, asked for by one of the `asked` form (`streamKeys` from `config`).
 */
async function hookMs(n: number, configText: string, stored: 'whole' | 'stream', asked: 'whole' | 'stream'): Promise<{ p50: number; p99: number }> {
  const cache = new ResponseCache({ store: new MemoryStore({ maxBytes: 64 * 1024 * 1024 }), metrics: new CacheMetrics(meter), logger });
  const config = parseConfig(configText, 'bench config').config;
  const hook = cacheHook(config, cache);
  const req = (form: 'whole' | 'stream'): HookRequest => ({
    kind: 'routed', method: 'POST', path: '/v1/chat/completions', headers: {}, api: { id: 'openai.chat_completions', provider: 'openai', operation: 'chat', errorShape: 'openai' },
    config, model: 'gpt-4o-mini', stream: form === 'stream', rule: 'openai', backend: undefined, sentModel: undefined, upstreamPath: '/v1/chat/completions',
    body: form === 'stream' ? Buffer.from(JSON.stringify({ ...JSON.parse(body(0).toString()), stream: true })) : body(0), requestId: 'r', traceId: undefined, caller: { id: 'k', project: 'p' },
  });
  const first = (await hook.onRequest!(req(stored))) as { context?: unknown };
  hook.onResponseHeaders!({ status: 200, headers: { 'content-type': stored === 'stream' ? 'text/event-stream' : 'application/json' }, streaming: stored === 'stream' }, req(stored), first.context);
  hook.onResponseBody!(stored === 'stream' ? STREAMED : COMPLETION, true, req(stored), first.context);
  hook.onOutcome!({ api: 'openai.chat_completions', method: 'POST', path: '/v1/chat/completions', model: 'gpt-4o-mini', rule: 'openai', stream: stored === 'stream', status: 200, errorType: undefined, durationMs: 1, info: { usage: { input: 120, output: 200 } } }, first.context);
  await new Promise((r) => setTimeout(r, 10));
  const ask = req(asked);
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await hook.onRequest!(ask);
    samples[i] = performance.now() - t;
    if (!r || !('answer' in r)) throw new Error(`bench: the hook did not answer a ${asked} request from a ${stored} entry`);
  }
  await cache.close();
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function redisReachable(url: string): Promise<boolean> {
  const c = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

async function main(): Promise<void> {
  const rows: Array<{ metric: string; unit: string; value: number; baseline?: number; ratio?: number; target?: string }> = [];
  const cpu = await processorCpu();
  rows.push({ metric: 'processor CPU per request: hit vs full miss', unit: 'µs', value: significant(cpu.hitUs), baseline: significant(cpu.missUs), ratio: significant(cpu.hitUs / cpu.missUs, 3), target: 'ratio < 1' });
  const key: CacheKey = { project: 'p', rule: 'openai', model: 'gpt-4o-mini', digest: 'f'.repeat(64) };
  const memory = new ResponseCache({ store: new MemoryStore({ maxBytes: 64 * 1024 * 1024 }), metrics: new CacheMetrics(meter), logger });
  const mem = await lookupMs(memory, key, 50_000);
  rows.push({ metric: 'lookup p50, memory store', unit: 'ms', value: significant(mem.p50, 3), target: '≤ 0.1 ms' });
  rows.push({ metric: 'lookup p99, memory store', unit: 'ms', value: significant(mem.p99, 3) });
  const hook = await hookMs(20_000, CONFIG, 'whole', 'whole');
  rows.push({ metric: 'cache hook onRequest p50 (key + lookup), memory store', unit: 'ms', value: significant(hook.p50, 3) });
  // streamKeys: shared — a hit served in the other form, against a hit served as stored (same config, same run).
  const SHARED = CONFIG.replace('lookupTimeoutMs: 50', 'lookupTimeoutMs: 50, streamKeys: shared');
  const asStored = await hookMs(20_000, SHARED, 'whole', 'whole');
  const toStream = await hookMs(20_000, SHARED, 'whole', 'stream');
  const toWhole = await hookMs(20_000, SHARED, 'stream', 'whole');
  const vsStored = (m: { p50: number }) => ({ value: significant(m.p50, 3), baseline: significant(asStored.p50, 3), ratio: significant(m.p50 / asStored.p50, 3) });
  rows.push({ metric: 'cache hook onRequest p50, shared keys: whole entry served as a stream vs as stored', unit: 'ms', ...vsStored(toStream) });
  rows.push({ metric: 'cache hook onRequest p50, shared keys: 62-chunk stream entry served whole vs whole entry as stored', unit: 'ms', ...vsStored(toWhole) });
  const url = process.env['LLM_EXTPROC_TEST_REDIS_URL'] || 'redis://127.0.0.1:6379';
  if (await redisReachable(url)) {
    const prefix = `bench:${process.pid}:`;
    const store = await openRedisStore({ url: { key: url }, keyPrefix: prefix, tls: { enabled: false, rejectUnauthorized: true }, connectTimeoutMs: 2_000 }, { secrets: { baseDir: '.' }, onError: () => undefined });
    const redis = new ResponseCache({ store, metrics: new CacheMetrics(meter), logger });
    const r = await lookupMs(redis, key, 10_000);
    rows.push({ metric: 'lookup p50, Redis on loopback', unit: 'ms', value: significant(r.p50, 3), target: '≤ 0.5 ms' });
    rows.push({ metric: 'lookup p99, Redis on loopback', unit: 'ms', value: significant(r.p99, 3) });
    await store.purge({});
    await redis.close();
  } else {
    process.stdout.write(`Redis not reachable at ${url}: its lookup is not measured\n`);
  }
  await memory.close();
  for (const r of rows) process.stdout.write(`${r.metric}: ${r.value} ${r.unit}${r.baseline !== undefined ? ` (baseline ${r.baseline} ${r.unit}, ratio ${r.ratio})` : ''}${r.target ? `  target ${r.target}` : ''}\n`);
  writeFileSync(new URL('../../../cache-results.json', import.meta.url), `${JSON.stringify({ node: process.version, date: new Date().toISOString(), rows }, null, 2)}\n`);
}

await main();
