/**
 * `npm run bench:rate-limits`: the server CPU a request's rate-limit check adds, with counters
 * in memory and in Redis on loopback (exact: a round trip per request; leased: one per 100
 * requests, token counters from a synced view), as a ratio to the same service without
 * limits, measured in one run. Variants (bench/rate-limit-setup.ts): the embedded default config with gateway
 * keys required, without limits (the baseline) and with two limits (requests per key, tokens
 * per project, charged from the response's usage).
 *
 * 1. **Through gRPC** (the figures the targets are about): one server child per variant, built
 *    as `serve` builds the service, driven by a client child as Envoy's ext_proc filter does
 *    (headers, body, response headers, body: 1 KB chat request and response); the server's own
 *    CPU (user + system) per request, in a row (concurrency 1: every Redis round trip waits
 *    alone) and with 16 in flight. For Redis, the Redis server's CPU per request is shown
 *    beside it (its `INFO cpu`), not counted in the service's.
 * 2. **In process**: the request processor alone (bench/rate-limit-inprocess.ts), the check's
 *    cost without the transport around it, at the same concurrencies; two more rows put the
 *    memory store behind an event-loop turn and behind a Redis PING, the floor of any store
 *    that waits for an answer.
 * 3. **The hook alone** over the memory store in a hot loop: the check's own code, without the
 *    processor around it.
 *
 * Variants alternate over rounds; reported are the medians, and the ratios and differences to
 * the baseline paired by round (medians of the per-round ones).
 *
 * Redis: `LLM_EXTPROC_BENCH_REDIS_URL`, else redis://127.0.0.1:6379 (start one with
 * `redis-server --port 6379 --save ''` if none runs). Environment knobs:
 * `LLM_EXTPROC_BENCH_REQUESTS` (per round, default 1500), `LLM_EXTPROC_BENCH_ROUNDS` (9),
 * `LLM_EXTPROC_BENCH_CONCURRENCY` (`1,16`), `LLM_EXTPROC_BENCH_IN_PROCESS=0` (skip part 2),
 * `LLM_EXTPROC_BENCH_PROFILE_DIR` (`--cpu-prof` the server children, a folder per variant).
 */
import { Redis } from 'ioredis';
import { startChild, type Child } from './children.js';
import type { ReplySummary } from './client-process.js';
import { closedRun, startServer, type ServerUnderTest } from './measure.js';
import { MemoryCounterStore } from '../src/rate-limits/memory-store.js';
import { inProcessGeneration, measureHookAlone, measureInProcess, WaitingStore } from './rate-limit-inprocess.js';
import { benchRedisUrl, RATE_LIMIT_VARIANTS, VARIANT_LABELS, type RateLimitVariant } from './rate-limit-setup.js';
import type { ScriptSpec } from './scripts.js';
import { median, percentile } from './stats.js';

const REQUESTS = Number(process.env['LLM_EXTPROC_BENCH_REQUESTS'] ?? 1500);
const ROUNDS = Number(process.env['LLM_EXTPROC_BENCH_ROUNDS'] ?? 9);
const CONCURRENCY = (process.env['LLM_EXTPROC_BENCH_CONCURRENCY'] ?? '1,16').split(',').map(Number);
/** `--cpu-prof` directory for the server children (one profile per variant), when set. */
const PROFILE_DIR = process.env['LLM_EXTPROC_BENCH_PROFILE_DIR'];
const IN_PROCESS = process.env['LLM_EXTPROC_BENCH_IN_PROCESS'] !== '0';
const SCRIPT: ScriptSpec = { kind: 'chat', bodySize: 1024 };

/** Redis server CPU so far (user + system, µs), from `INFO cpu`. */
async function redisCpuMicros(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

/** Checks a variant's server does the work: routes, and (limited variants) sends the `x-ratelimit-*` headers, which only an answering store gives. */
async function validateVariant(client: Child, variant: RateLimitVariant): Promise<void> {
  const v = await client.ipc.call<{ ok: boolean; error?: string; replies: ReplySummary[] }>('validate', { script: SCRIPT });
  if (!v.ok) throw new Error(`${variant}: exchange failed: ${v.error}`);
  const [, body, responseHeaders] = v.replies;
  if (!body?.setHeaders.includes('x-ai-eg-selected-route')) throw new Error(`${variant}: the request was not routed`);
  const limited = responseHeaders?.setHeaders.includes('x-ratelimit-limit-requests') ?? false;
  if (limited !== (variant !== 'off')) throw new Error(`${variant}: x-ratelimit-* headers ${limited ? 'present' : 'missing'} on the response`);
}

interface Sample {
  readonly cpu: number;
  readonly p50Body: number;
  readonly redisCpu?: number;
}

/** One row: a label and its samples. The first row is the baseline. */
interface Row {
  readonly label: string;
  readonly samples: readonly Sample[];
}

/**
 * The table of `rows` against the first: the median CPU per request and, paired by round (each
 * round measures every variant in turn, so a drift in the machine's load hits them alike), the
 * median of the per-round ratios and differences to the baseline.
 */
function table(title: string, rows: readonly Row[], p50Label: string): string {
  const base = rows[0]!.samples;
  const width = Math.max(...rows.map((r) => r.label.length));
  const lines = [title, `${'variant'.padEnd(width)}  CPU µs/request (rounds' range)  ratio   added µs   ${p50Label} µs (added)   Redis server CPU µs/request`];
  for (const { label, samples } of rows) {
    const cpu = median(samples.map((s) => s.cpu));
    const ratio = median(samples.map((s, i) => s.cpu / base[i]!.cpu));
    const added = median(samples.map((s, i) => s.cpu - base[i]!.cpu));
    const p50 = median(samples.map((s) => s.p50Body));
    const p50Added = median(samples.map((s, i) => s.p50Body - base[i]!.p50Body));
    const redis = samples[0]?.redisCpu !== undefined ? median(samples.map((s) => s.redisCpu!)).toFixed(1) : '–';
    const range = `(${Math.min(...samples.map((s) => s.cpu)).toFixed(0)}–${Math.max(...samples.map((s) => s.cpu)).toFixed(0)})`;
    lines.push(`${label.padEnd(width)}  ${cpu.toFixed(1).padStart(14)} ${range.padStart(16)}  ${ratio.toFixed(3)}  ${added.toFixed(1).padStart(8)}   ${p50.toFixed(1).padStart(8)} (${p50Added.toFixed(1)})   ${redis}`);
  }
  return lines.join('\n');
}

/** Runs every variant once per round, in turn, and collects its samples. */
async function alternate<V>(variants: readonly V[], measure: (v: V, round: number) => Promise<Sample>): Promise<Sample[][]> {
  const samples = variants.map((): Sample[] => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, v] of variants.entries()) samples[i]!.push(await measure(v, round));
  }
  return samples;
}

async function throughGrpc(redis: Redis): Promise<string[]> {
  const client = await startChild('client-process');
  const servers = new Map<RateLimitVariant, ServerUnderTest>();
  try {
    for (const v of RATE_LIMIT_VARIANTS) {
      servers.set(v, await startServer('extproc', client, { scale: 1, ...(PROFILE_DIR ? { profileDir: `${PROFILE_DIR}/${v}` } : {}) }, [`--rate-limits=${v}`]));
      await validateVariant(client, v);
    }
    const out: string[] = [];
    for (const concurrency of CONCURRENCY) {
      const samples = await alternate(RATE_LIMIT_VARIANTS, async (v, round) => {
        const server = servers.get(v)!;
        await client.ipc.call('connect', { target: server.target });
        const redis0 = v.startsWith('redis') ? await redisCpuMicros(redis) : 0;
        const run = await closedRun(client, server, SCRIPT, { count: REQUESTS, warmup: round === 0 ? 500 : 100, concurrency });
        const redisCpu = v.startsWith('redis') ? ((await redisCpuMicros(redis)) - redis0) / run.result.completed : undefined;
        return { cpu: run.cpuMicrosPerExchange, p50Body: percentile(run.timings.requestBody, 50) * 1000, ...(redisCpu !== undefined ? { redisCpu } : {}) };
      });
      const rows = RATE_LIMIT_VARIANTS.map((v, i) => ({ label: VARIANT_LABELS[v], samples: samples[i]! }));
      out.push(table(`through gRPC, ${concurrency} in flight (server process CPU)`, rows, 'p50 request-body round trip'));
    }
    return out;
  } finally {
    for (const s of servers.values()) await s.child.stop();
    await client.stop();
  }
}

async function inProcess(redis: Redis): Promise<string[]> {
  const variants = [
    ...(await Promise.all(RATE_LIMIT_VARIANTS.map(async (v) => ({ label: VARIANT_LABELS[v], ...(await inProcessGeneration(v)) })))),
    { label: 'memory after a loop turn', ...(await inProcessGeneration('memory', new WaitingStore(new MemoryCounterStore(), () => new Promise((r) => setImmediate(r))))) },
    { label: 'memory after a Redis PING', ...(await inProcessGeneration('memory', new WaitingStore(new MemoryCounterStore(), () => redis.ping()))) },
  ];
  try {
    for (const v of variants) await measureInProcess(v.generation, 500); // warm up
    const out: string[] = [];
    for (const concurrency of CONCURRENCY) {
      const samples = await alternate(variants, async (v) => {
        const m = await measureInProcess(v.generation, REQUESTS * 2, concurrency);
        return { cpu: m.cpuUs, p50Body: m.p50BodyUs };
      });
      const rows = variants.map((v, i) => ({ label: v.label, samples: samples[i]! }));
      out.push(table(`in process, ${concurrency} in flight (the request processor alone, no gRPC; process CPU)`, rows, 'p50 request-body phase'));
    }
    return out;
  } finally {
    for (const v of variants) await v.close();
  }
}

async function main(): Promise<void> {
  const redis = new Redis(benchRedisUrl(), { maxRetriesPerRequest: 1 });
  try {
    await redis.ping();
    const tables = [...(await throughGrpc(redis)), ...(IN_PROCESS ? await inProcess(redis) : [])];
    if (IN_PROCESS) {
      const alone = measureHookAlone(100_000, ROUNDS);
      tables.push(`the rate-limit hook alone, memory store (onRequest + onResponseHeaders + onOutcome, hot loop): ${median(alone).toFixed(2)} µs CPU per request (rounds' range ${Math.min(...alone).toFixed(2)}–${Math.max(...alone).toFixed(2)})`);
    }
    process.stdout.write(
      `${tables.join('\n\n')}\n\n${REQUESTS} requests (in process: ${REQUESTS * 2}) × ${ROUNDS} rounds per variant, alternating; medians (ratio and added: paired by round). Targets: memory ≤ 10 µs added, Redis ≤ 60 µs added (server CPU)\n`,
    );
  } finally {
    redis.disconnect();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
