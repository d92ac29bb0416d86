/**
 * How the client loads a server: a closed loop (N exchanges in flight, each starting when the
 * previous one of its worker ends), an open loop (exchanges started on a fixed schedule whatever
 * the server's pace), and idle open streams.
 */
import type { ExtProcClient } from '../test/harness/ext-proc-client.js';
import { newTimings, PhaseStream, runExchange, type ScriptStep, type Timings } from './exchange.js';

/** What a load run gave. */
export interface LoadResult {
  readonly completed: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly elapsedMs: number;
  readonly timings: Timings;
  /** Open loop only: how late each exchange started against its schedule (ms). */
  readonly lateness?: number[];
  /** Open loop only: schedule → end of the exchange (ms), per exchange. */
  readonly total?: number[];
  /** CPU time of the client process during the run (µs). */
  readonly clientCpuMicros: number;
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * Closed loop: `concurrency` workers, each running exchanges back to back, until `count`
 * exchanges have started (when given) or `durationMs` has passed.
 */
export async function closedLoop(
  client: ExtProcClient,
  script: readonly ScriptStep[],
  opts: { concurrency: number; count?: number; durationMs?: number; record?: boolean },
): Promise<LoadResult> {
  const timings = newTimings();
  const record = opts.record !== false;
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  const until = opts.durationMs !== undefined ? t0 + opts.durationMs : Infinity;
  const limit = opts.count ?? Infinity;
  let started = 0;
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  const worker = async (): Promise<void> => {
    while (started < limit && performance.now() < until) {
      started++;
      const out = await runExchange(client, script, record ? timings : undefined);
      if (out.ok) completed++;
      else {
        errors++;
        firstError ??= out.error;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { completed, errors, ...(firstError ? { firstError } : {}), elapsedMs: performance.now() - t0, timings, clientCpuMicros: cpuMicros() - cpu0 };
}

/**
 * Open loop: exchange k starts at `start + k / rate`, for `durationMs`. The first step and the
 * total are timed from the scheduled start, so a stalled server is charged for every request
 * that should have been sent meanwhile.
 */
export async function openLoop(client: ExtProcClient, script: readonly ScriptStep[], opts: { rate: number; durationMs: number }): Promise<LoadResult> {
  const timings = newTimings();
  const lateness: number[] = [];
  const total: number[] = [];
  const interval = 1000 / opts.rate;
  const count = Math.round((opts.rate * opts.durationMs) / 1000);
  const cpu0 = cpuMicros();
  const start = performance.now() + 5;
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  const running: Array<Promise<void>> = [];
  await new Promise<void>((resolve) => {
    let k = 0;
    const tick = (): void => {
      const now = performance.now();
      while (k < count && start + k * interval <= now) {
        const at = start + k * interval;
        lateness.push(now - at);
        running.push(
          runExchange(client, script, timings, { scheduledAt: at }).then((out) => {
            total.push(performance.now() - at);
            if (out.ok) completed++;
            else {
              errors++;
              firstError ??= out.error;
            }
          }),
        );
        k++;
      }
      if (k < count) setTimeout(tick, Math.max(0, start + k * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  await Promise.all(running);
  return {
    completed,
    errors,
    ...(firstError ? { firstError } : {}),
    elapsedMs: performance.now() - start,
    timings,
    lateness,
    total,
    clientCpuMicros: cpuMicros() - cpu0,
  };
}

/** Streams held open after their request-headers reply, for the idle-streams scenario. */
export class IdleStreams {
  private streams: PhaseStream[] = [];

  /** Opens `count` streams, sends request headers on each and waits for every reply. */
  async open(client: ExtProcClient, headers: ScriptStep, count: number): Promise<number> {
    const opened = Array.from({ length: count }, () => new PhaseStream(client));
    const replies = await Promise.allSettled(opened.map((s) => s.send(headers.message)));
    this.streams.push(...opened);
    return replies.filter((r) => r.status === 'fulfilled').length;
  }

  /** Half-closes every stream and waits for the statuses; returns how many ended OK. */
  async closeAll(): Promise<number> {
    const statuses = await Promise.all(this.streams.map((s) => s.close()));
    this.streams = [];
    return statuses.filter((s) => s.code === 0).length;
  }
}
