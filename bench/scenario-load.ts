/**
 * Scenarios under load: an open-loop schedule of 500 requests/s for 30 s (1 KB chat request and
 * response), latency timed from each request's scheduled start; and throughput at saturation,
 * a closed loop ramped over several concurrency levels until the server is CPU-bound.
 */
import type { Child } from './children.js';
import { KB } from './bodies.js';
import type { LoadResult } from './load-patterns.js';
import { serverCpuMicros, validate, withServer, type RunOptions } from './measure.js';
import { row, SCENARIO, type Row } from './rows.js';
import { latencyRows } from './scenario-chat.js';
import type { ScriptSpec } from './scripts.js';
import type { ServerKind } from './server-process.js';
import { percentile } from './stats.js';

const SPEC: ScriptSpec = { kind: 'chat', bodySize: KB };

/** What the open-loop run saw besides its rows. */
export interface OpenLoopDetails {
  /** p99 of how late the client started requests against the schedule (ms), per server. */
  readonly latenessP99: Record<Exclude<ServerKind, 'raw'>, number>;
  readonly rate: number;
  readonly durationMs: number;
}

/** Open loop at `rate` requests/s for `durationMs`, against each server in turn. */
export async function runOpenLoop(client: Child, opts: RunOptions, rate = 500, durationMs = 30_000): Promise<{ rows: Row[]; details: OpenLoopDetails }> {
  const runs = {} as Record<ServerKind, { result: LoadResult; cpuPerRequest: number }>;
  for (const kind of ['noop', 'extproc'] as const) {
    runs[kind] = await withServer(kind, client, opts, async (server) => {
      await validate(client, server, SPEC);
      await client.ipc.call('open', { script: SPEC, rate, durationMs: 2_000 }); // warm-up at the same pace
      const cpu0 = await serverCpuMicros(server);
      const result = await client.ipc.call<LoadResult>('open', { script: SPEC, rate, durationMs });
      const cpu1 = await serverCpuMicros(server);
      if (result.errors > 0) throw new Error(`${kind}: ${result.errors} failed exchanges, first: ${result.firstError}`);
      return { result, cpuPerRequest: (cpu1 - cpu0) / result.completed };
    });
  }
  const scenario = SCENARIO.openLoop;
  const ours = runs.extproc.result;
  const noop = runs.noop.result;
  const rows = [
    ...latencyRows(scenario, ours.timings, noop.timings),
    row(scenario, 'p50 request latency from schedule', 'ms', percentile(ours.total ?? [], 50), percentile(noop.total ?? [], 50)),
    row(scenario, 'p99 request latency from schedule', 'ms', percentile(ours.total ?? [], 99), percentile(noop.total ?? [], 99)),
    row(scenario, 'server CPU per request', 'µs', runs.extproc.cpuPerRequest, runs.noop.cpuPerRequest),
  ];
  return {
    rows,
    details: {
      latenessP99: { extproc: percentile(ours.lateness ?? [], 99), noop: percentile(noop.lateness ?? [], 99) },
      rate,
      durationMs,
    },
  };
}

/** Saturation figures of one server. */
export interface SaturationPoint {
  readonly concurrency: number;
  readonly requestsPerSecond: number;
  /** Server CPU time over wall time (1 = one core busy). */
  readonly serverCpuShare: number;
  readonly clientCpuShare: number;
  readonly serverCpuPerRequest: number;
}

/** Concurrency levels of the ramp. */
export const SATURATION_LEVELS = [8, 32, 128] as const;

/**
 * Closed loop at each level of {@link SATURATION_LEVELS} for `durationMs`; the best level is the
 * saturation throughput.
 */
export async function runSaturation(client: Child, opts: RunOptions, durationMs = 8_000): Promise<{ rows: Row[]; details: Record<ServerKind, SaturationPoint> }> {
  const best = {} as Record<ServerKind, SaturationPoint>;
  for (const kind of ['noop', 'extproc'] as const) {
    best[kind] = await withServer(kind, client, opts, async (server) => {
      await validate(client, server, SPEC);
      let top: SaturationPoint | undefined;
      for (const concurrency of SATURATION_LEVELS) {
        await client.ipc.call('closed', { script: SPEC, concurrency, durationMs: 1_000, record: false });
        const cpu0 = await serverCpuMicros(server);
        const r = await client.ipc.call<LoadResult>('closed', { script: SPEC, concurrency, durationMs, record: false });
        const cpu1 = await serverCpuMicros(server);
        if (r.errors > 0) throw new Error(`${kind}: ${r.errors} failed exchanges, first: ${r.firstError}`);
        const point: SaturationPoint = {
          concurrency,
          requestsPerSecond: (r.completed * 1000) / r.elapsedMs,
          serverCpuShare: (cpu1 - cpu0) / 1000 / r.elapsedMs,
          clientCpuShare: r.clientCpuMicros / 1000 / r.elapsedMs,
          serverCpuPerRequest: (cpu1 - cpu0) / r.completed,
        };
        if (!top || point.requestsPerSecond > top.requestsPerSecond) top = point;
      }
      return top!;
    });
  }
  const scenario = SCENARIO.saturation;
  return {
    rows: [
      row(scenario, 'time per request at saturation (1 / throughput)', 'µs', 1e6 / best.extproc.requestsPerSecond, 1e6 / best.noop.requestsPerSecond),
      row(scenario, 'server CPU per request at saturation', 'µs', best.extproc.serverCpuPerRequest, best.noop.serverCpuPerRequest),
    ],
    details: best,
  };
}
