/**
 * Scenarios of whole requests at a modest pace (one exchange at a time, so each phase's round
 * trip is pure latency): chat requests of 1 KB to 10 MB with a 1 KB JSON response carrying
 * usage, and a streamed response of 1,000 SSE chunks. Each runs in rounds alternating fresh
 * no-op and llm-extproc server processes; CPU per request is the median over rounds, latency
 * percentiles pool every round.
 */
import type { Child } from './children.js';
import { KB, MB } from './bodies.js';
import type { StepLabel, Timings } from './exchange.js';
import { closedRun, poolTimings, withServer, type RunOptions } from './measure.js';
import { row, SCENARIO, type Row } from './rows.js';
import type { ScriptSpec } from './scripts.js';
import type { ServerKind } from './server-process.js';
import { median, percentile } from './stats.js';

/** Body sizes measured, with their labels. */
export const CHAT_SIZES: ReadonlyArray<{ readonly label: string; readonly bytes: number; readonly count: number; readonly rounds: number; readonly raw?: boolean }> = [
  // 1 KB is also measured against the raw-bytes no-op (the transport alone).
  { label: '1 KB', bytes: KB, count: 4000, rounds: 3, raw: true },
  { label: '100 KB', bytes: 100 * KB, count: 1500, rounds: 3 },
  { label: '1 MB', bytes: MB, count: 300, rounds: 3 },
  { label: '10 MB', bytes: 10 * MB, count: 30, rounds: 2 },
];

/** The row of CPU per request against the raw-bytes no-op (the transport alone). */
export const RAW_CPU_METRIC = 'server CPU per request vs raw-bytes no-op';

/** CPU per request of both servers at one body size (for the chart). */
export interface CpuPoint {
  readonly label: string;
  readonly bytes: number;
  readonly extprocMicros: number;
  readonly noopMicros: number;
}

const PHASES: ReadonlyArray<readonly [StepLabel, string]> = [
  ['requestHeaders', 'request headers'],
  ['requestBody', 'request body'],
  ['responseHeaders', 'response headers'],
  ['responseBody', 'response body'],
];

/** Latency rows (p50, p99 per phase) of one scenario. */
export function latencyRows(scenario: string, ours: Timings, noop: Timings, phases = PHASES): Row[] {
  const rows: Row[] = [];
  for (const [label, name] of phases) {
    for (const p of [50, 99]) {
      rows.push(row(scenario, `p${p} round trip, ${name}`, 'ms', percentile(ours[label], p), percentile(noop[label], p)));
    }
  }
  return rows;
}

async function rounds(
  client: Child,
  spec: ScriptSpec,
  opts: RunOptions,
  plan: { count: number; warmup: number; rounds: number },
  kinds: readonly ServerKind[] = ['noop', 'extproc'],
): Promise<Record<ServerKind, { cpu: number[]; timings: Timings[] }>> {
  const out: Record<ServerKind, { cpu: number[]; timings: Timings[] }> = { extproc: { cpu: [], timings: [] }, noop: { cpu: [], timings: [] }, raw: { cpu: [], timings: [] } };
  for (let r = 0; r < plan.rounds; r++) {
    // Rotate which server goes first, so slow drift (thermal, other load) hits all alike.
    const order = kinds.map((_, i) => kinds[(i + r) % kinds.length]!);
    for (const kind of order) {
      const run = await withServer(kind, client, opts, (server) => closedRun(client, server, spec, { ...plan, concurrency: 1 }));
      out[kind].cpu.push(run.cpuMicrosPerExchange);
      out[kind].timings.push(run.timings);
    }
  }
  return out;
}

function scaled(n: number, scale: number, min: number): number {
  return Math.max(min, Math.round(n * scale));
}

/** Chat requests of each size in `sizes`; returns rows and the CPU points of the chart. */
export async function runChatSizes(
  client: Child,
  opts: RunOptions,
  sizes: typeof CHAT_SIZES = CHAT_SIZES,
): Promise<{ rows: Row[]; points: CpuPoint[] }> {
  const rows: Row[] = [];
  const points: CpuPoint[] = [];
  for (const size of sizes) {
    const count = scaled(size.count, opts.scale, 10);
    const plan = { count, warmup: Math.max(5, Math.round(count / 4)), rounds: opts.scale < 1 ? Math.min(2, size.rounds) : size.rounds };
    const res = await rounds(client, { kind: 'chat', bodySize: size.bytes }, opts, plan, size.raw ? ['noop', 'extproc', 'raw'] : ['noop', 'extproc']);
    const scenario = SCENARIO.chat(size.label);
    const ours = median(res.extproc.cpu);
    const noop = median(res.noop.cpu);
    rows.push(row(scenario, 'server CPU per request', 'µs', ours, noop));
    if (size.raw) {
      const raw = median(res.raw.cpu);
      rows.push(row(scenario, RAW_CPU_METRIC, 'µs', ours, raw));
    }
    rows.push(...latencyRows(scenario, poolTimings(res.extproc.timings), poolTimings(res.noop.timings)));
    points.push({ label: size.label, bytes: size.bytes, extprocMicros: ours, noopMicros: noop });
  }
  return { rows, points };
}

/** Chunks of the streamed response. */
export const SSE_CHUNKS = 1000;

/** A streamed chat response of 1,000 SSE chunks (each its own STREAMED body message). */
export async function runStreaming(client: Child, opts: RunOptions): Promise<Row[]> {
  const count = scaled(8, opts.scale, 2);
  const res = await rounds(client, { kind: 'streaming', chunks: SSE_CHUNKS }, opts, { count, warmup: 2, rounds: 3 });
  const scenario = SCENARIO.streaming;
  const ours = median(res.extproc.cpu);
  const noop = median(res.noop.cpu);
  return [
    row(scenario, 'server CPU per streamed response', 'µs', ours, noop),
    row(scenario, 'server CPU per SSE chunk', 'µs', ours / SSE_CHUNKS, noop / SSE_CHUNKS),
    ...latencyRows(scenario, poolTimings(res.extproc.timings), poolTimings(res.noop.timings), [
      ['responseHeaders', 'response headers'],
      ['responseBody', 'SSE chunk'],
    ]),
  ];
}
