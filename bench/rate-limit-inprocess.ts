/**
 * The rate-limit check in isolation: the real request processor driven in this process (no
 * gRPC: request headers, body, response headers, body handed to it directly) with the
 * generation `serve` builds for each variant of bench/rate-limit-setup.ts. CPU is this
 * process's (user + system); the p50 wall time of the request-body phase (where the check runs)
 * is reported beside it. Without I/O the baseline never waits for the event loop, while the
 * Redis variant waits once per request: this part overstates what a Redis round trip adds to
 * a server that already wakes up for every gRPC message (the gRPC part measures that). The
 * {@link WaitingStore} rows show what waiting alone costs.
 */
import { createNoopMeter } from '@opentelemetry/api';
import { pino } from 'pino';
import type { Hook, HookRequest } from '../src/hooks/hook.js';
import type { RequestOutcome } from '../src/hooks/outcome.js';
import type { PhaseMessage } from '../src/hooks/phase.js';
import { createGenAiMetrics } from '../src/metrics/genai-metrics.js';
import { RequestProcessor } from '../src/processor/request-processor.js';
import type { BucketCounts, CounterCheck, CounterStore, TakeResult } from '../src/rate-limits/counter-store.js';
import { MemoryCounterStore } from '../src/rate-limits/memory-store.js';
import { rateLimitInstruments, rateLimitsHook } from '../src/rate-limits/rate-limits-hook.js';
import { buildGeneration } from '../src/server/build-generation.js';
import { chatRequestBody, chatResponseBody } from './bodies.js';
import { BENCH_KEYS, benchCounterStore, rateLimitBenchConfig, type RateLimitVariant } from './rate-limit-setup.js';

const logger = pino({ level: 'silent' });
const meter = createNoopMeter();

const BODY = chatRequestBody(1024);
const MESSAGES: PhaseMessage[] = [
  { phase: 'requestHeaders', headers: { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', authorization: 'Bearer gk-bench' }, endOfStream: false, observabilityMode: false },
  { phase: 'requestBody', body: BODY, endOfStream: true, observabilityMode: false },
  { phase: 'responseHeaders', headers: { ':status': '200', 'content-type': 'application/json' }, endOfStream: false, observabilityMode: false },
  { phase: 'responseBody', body: chatResponseBody(), endOfStream: true, observabilityMode: false },
];

/**
 * The memory store answering only after `wait` (an event-loop turn, a Redis PING): what a
 * store that waits pays before doing any work of its own, the floor under the Redis store.
 */
export class WaitingStore implements CounterStore {
  constructor(
    private readonly inner: MemoryCounterStore,
    private readonly wait: () => Promise<unknown>,
  ) {}
  take(checks: readonly CounterCheck[], now: number): Promise<TakeResult> {
    return this.wait().then(() => this.inner.take(checks, now));
  }
  add(key: string, amount: number, now: number): void {
    this.inner.add(key, amount, now);
  }
  peek(keys: readonly string[], now: number): Promise<BucketCounts[]> {
    return this.inner.peek(keys, now);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * The generation of `variant`'s config over `store` (default: the variant's own), built as
 * createServer builds it: the rate-limit hook is in the list whenever keys are (a key may carry
 * limits of its own), so the baseline runs it too, finding no limit.
 */
export async function inProcessGeneration(variant: RateLimitVariant, store: CounterStore = benchCounterStore(variant, logger) ?? new MemoryCounterStore()) {
  const generation = await buildGeneration(rateLimitBenchConfig(variant), 1, {
    meter,
    logger,
    createDefaultMetrics: () => createGenAiMetrics(meter, { requestHeaderAttributes: {}, maxAttributeValues: 100, logger }),
    cwd: process.cwd(),
    keys: BENCH_KEYS,
    recorders: [] as Hook[],
    rateLimits: { store, instruments: rateLimitInstruments(meter), meter },
  });
  return { generation, close: () => store.close() };
}

/** Process CPU µs per request, and p50 wall µs of the request-body phase, over `n` requests, `concurrency` at a time. */
export async function measureInProcess(gen: Awaited<ReturnType<typeof inProcessGeneration>>['generation'], n: number, concurrency = 1): Promise<{ cpuUs: number; p50BodyUs: number }> {
  const bodyTimes: number[] = [];
  const events = { passthrough() {}, decision() {} };
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started++ < n) {
      const p = new RequestProcessor({ generation: gen, logger, events, warnStreamedOnce() {} });
      await p.handle(MESSAGES[0]!);
      const t = performance.now();
      await p.handle(MESSAGES[1]!);
      bodyTimes.push(performance.now() - t);
      await p.handle(MESSAGES[2]!);
      await p.handle(MESSAGES[3]!);
      p.finish('completed');
    }
  };
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  await new Promise((r) => setImmediate(r)); // the outcome hooks (token charges) of the last requests
  const cpu = process.cpuUsage(cpu0);
  bodyTimes.sort((a, b) => a - b);
  return { cpuUs: (cpu.user + cpu.system) / n, p50BodyUs: bodyTimes[Math.floor(n / 2)]! * 1000 };
}

/**
 * The hook alone over the memory store, in a hot loop: `onRequest`, `onResponseHeaders` (the
 * `x-ratelimit-*` headers) and `onOutcome` (the token charge) of `rounds` × `n` requests of the
 * bench key; process CPU µs per request, per round.
 */
export function measureHookAlone(n: number, rounds: number): number[] {
  const config = rateLimitBenchConfig('memory').config;
  const store = new MemoryCounterStore();
  const hook = rateLimitsHook(config, { store, logger, meter }, rateLimitInstruments(meter));
  const req: HookRequest = {
    kind: 'routed',
    method: 'POST',
    path: '/v1/chat/completions',
    upstreamPath: '/v1/chat/completions',
    headers: {},
    api: undefined,
    config,
    model: 'gpt-4o-mini',
    stream: false,
    rule: 'openai',
    backend: undefined,
    sentModel: undefined,
    body: undefined,
    requestId: undefined,
    traceId: undefined,
    caller: { id: 'aaaaaaaaaaaaaaaa', project: 'bench' },
  };
  const outcome: RequestOutcome = { api: undefined, method: 'POST', path: '/', model: 'gpt-4o-mini', rule: 'openai', stream: false, status: 200, errorType: undefined, durationMs: 1, info: { usage: { input: 250, output: 10, total: 260 } } };
  const res = { status: 200, headers: {}, streaming: false };
  const run = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const r = hook.onRequest!(req) as { context: unknown };
      hook.onResponseHeaders!(res, req, r.context);
      hook.onOutcome!(outcome, r.context);
    }
  };
  run(n); // warm up
  const out: number[] = [];
  for (let k = 0; k < rounds; k++) {
    const c0 = process.cpuUsage();
    run(n);
    const c = process.cpuUsage(c0);
    out.push((c.user + c.system) / n);
  }
  void store.close();
  return out;
}
