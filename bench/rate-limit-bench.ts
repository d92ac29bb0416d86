/**
 * `npm run bench:rate-limits`: CPU a request's rate-limit check adds, in memory and with Redis
 * on loopback, as a ratio to the same requests without limits, measured in one run. Each
 * variant drives the real request processor (a fake gRPC-free stream: request headers, body,
 * response headers, body) with the generation `serve` builds: built-in hooks, plus a
 * `rate-limits` hook with two limits (per key requests, per project tokens) in the limited
 * variants. CPU is this process's (user + system), so with Redis it is the client's side of the
 * round trip; the p50 wall time of the check is reported beside it. Variants alternate over
 * several rounds; the medians are reported.
 *
 * Redis: `LLM_EXTPROC_BENCH_REDIS_URL`, else redis://127.0.0.1:6379 (start one with
 * `redis-server --port 6379 --save ''` if none runs).
 */
import { createNoopMeter } from '@opentelemetry/api';
import { pino } from 'pino';
import { parseConfig } from '../src/config/load.js';
import type { Hook } from '../src/hooks/hook.js';
import type { PhaseMessage } from '../src/hooks/phase.js';
import { RequestProcessor } from '../src/processor/request-processor.js';
import type { CounterStore } from '../src/rate-limits/counter-store.js';
import { MemoryCounterStore } from '../src/rate-limits/memory-store.js';
import { RedisCounterStore } from '../src/rate-limits/redis-store.js';
import { rateLimitInstruments } from '../src/rate-limits/rate-limits-hook.js';
import { buildGeneration } from '../src/server/build-generation.js';
import { createGenAiMetrics } from '../src/metrics/genai-metrics.js';
import type { GatewayKey, KeyLookup } from '../src/access/key-lookup.js';

const REQUESTS = Number(process.env['LLM_EXTPROC_BENCH_REQUESTS'] ?? 4000);
const ROUNDS = 5;
const logger = pino({ level: 'silent' });
const meter = createNoopMeter();

const BASE = `
auth: { enabled: true }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai }]
`;
const LIMITS = `
rateLimits:
  limits:
    - { name: per-key, per: [key], requestsPerMinute: 100000000 }
    - { name: per-project, per: [project], tokensPerMinute: 1000000000000 }
`;

const KEY: GatewayKey = {
  id: 'aaaaaaaaaaaaaaaa',
  project: 'bench',
  name: 'bench',
  createdAt: 0,
  expiresAt: null,
  revoked: false,
  maxRequests: null,
  requestCount: 0,
  allowedModels: [],
  allowedRules: [],
  secretHash: '',
  projectActive: true,
} as unknown as GatewayKey;
const keys: KeyLookup = { find: async () => KEY, countRequest: () => undefined };

const BODY = Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(900) }] }));
const RESPONSE = Buffer.from(JSON.stringify({ id: 'c', object: 'chat.completion', model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 250, completion_tokens: 10, total_tokens: 260 } }));
const MESSAGES: PhaseMessage[] = [
  { phase: 'requestHeaders', headers: { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', authorization: 'Bearer gk-bench' }, endOfStream: false, observabilityMode: false },
  { phase: 'requestBody', body: BODY, endOfStream: true, observabilityMode: false },
  { phase: 'responseHeaders', headers: { ':status': '200', 'content-type': 'application/json' }, endOfStream: false, observabilityMode: false },
  { phase: 'responseBody', body: RESPONSE, endOfStream: true, observabilityMode: false },
];

async function generationFor(yaml: string, store: CounterStore | undefined) {
  const loaded = parseConfig(yaml, 'bench');
  return buildGeneration(loaded, 1, {
    meter,
    logger,
    createDefaultMetrics: () => createGenAiMetrics(meter, { requestHeaderAttributes: {}, maxAttributeValues: 100, logger }),
    cwd: process.cwd(),
    keys,
    recorders: [] as Hook[],
    ...(store ? { rateLimits: { store, instruments: rateLimitInstruments(meter), meter } } : {}),
  });
}

/** CPU µs per request and p50 wall µs of the request-body phase (where the check runs). */
async function measure(gen: Awaited<ReturnType<typeof generationFor>>, n: number): Promise<{ cpuUs: number; p50BodyUs: number }> {
  const bodyTimes: number[] = [];
  const events = { passthrough() {}, decision() {} };
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const p = new RequestProcessor({ generation: gen, logger, events, warnStreamedOnce() {} });
    await p.handle(MESSAGES[0]!);
    const t = performance.now();
    await p.handle(MESSAGES[1]!);
    bodyTimes.push(performance.now() - t);
    await p.handle(MESSAGES[2]!);
    await p.handle(MESSAGES[3]!);
    p.finish('completed');
  }
  await new Promise((r) => setImmediate(r));
  const cpu = process.cpuUsage(cpu0);
  bodyTimes.sort((a, b) => a - b);
  return { cpuUs: (cpu.user + cpu.system) / n, p50BodyUs: bodyTimes[Math.floor(n / 2)]! * 1000 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const memory = new MemoryCounterStore();
  const redisUrl = process.env['LLM_EXTPROC_BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const redis = new RedisCounterStore({ url: redisUrl, keyPrefix: `bench:${process.pid}:`, timeoutMs: 1000, logger });
  const variants = [
    { name: 'no limits', gen: await generationFor(BASE, undefined) },
    { name: 'limits, memory', gen: await generationFor(BASE + LIMITS, memory) },
    { name: 'limits, Redis', gen: await generationFor(BASE + LIMITS, redis) },
  ];
  for (const v of variants) await measure(v.gen, 500); // warm up
  const results = new Map<string, { cpu: number[]; p50: number[] }>(variants.map((v) => [v.name, { cpu: [], p50: [] }]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of variants) {
      const m = await measure(v.gen, REQUESTS);
      results.get(v.name)!.cpu.push(m.cpuUs);
      results.get(v.name)!.p50.push(m.p50BodyUs);
    }
  }
  const base = median(results.get('no limits')!.cpu);
  const baseP50 = median(results.get('no limits')!.p50);
  const lines = ['variant            CPU µs/request  ratio   added µs   p50 body phase µs (added)'];
  for (const v of variants) {
    const cpu = median(results.get(v.name)!.cpu);
    const p50 = median(results.get(v.name)!.p50);
    lines.push(`${v.name.padEnd(18)} ${cpu.toFixed(1).padStart(14)}  ${(cpu / base).toFixed(3)}  ${(cpu - base).toFixed(1).padStart(8)}   ${p50.toFixed(1).padStart(8)} (${(p50 - baseP50).toFixed(1)})`);
  }
  process.stdout.write(`${lines.join('\n')}\n${REQUESTS} requests × ${ROUNDS} rounds per variant, alternating; targets: memory ≤ 10 µs added, Redis ≤ 60 µs added\n`);
  await memory.close();
  await redis.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
