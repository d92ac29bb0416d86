/**
 * The soak: a long run of mixed requests (soak-mix.ts: OpenAI JSON and streaming, Anthropic,
 * Gemini, a model no rule serves, client cancels, resets arriving with the first messages)
 * against the real service in its own process. It answers one question — does anything
 * accumulate? — with two figures: the server's heap after GC at the end against its heap after
 * GC once the first `checkpoint` requests are done (warm: caches, JIT and pools filled), target
 * within 5%; and `llm_extproc.streams.active` back to 0 once the load stops.
 */
import { readFileSync, rmSync } from 'node:fs';
import { startChild, type Child } from './children.js';
import type { RunOptions } from './measure.js';
import { repoPath } from './run-paths.js';
import type { MemorySnapshot } from './server-process.js';
import type { SoakSliceResult } from './soak-client.js';
import type { SoakKind } from './soak-mix.js';

/** Requests of a full soak. */
export const SOAK_REQUESTS = 1_000_000;
/** Where the reference heap is taken. */
export const SOAK_CHECKPOINT = 100_000;
/** Requests in flight. */
export const SOAK_CONCURRENCY = 16;
/** Largest growth of the end heap over the checkpoint heap that meets the target. */
export const SOAK_HEAP_TARGET = 0.05;

/** What a soak measured. */
export interface SoakResult {
  readonly requests: number;
  readonly checkpoint: number;
  readonly concurrency: number;
  readonly byKind: Partial<Record<SoakKind, number>>;
  readonly errors: number;
  readonly firstError?: string;
  readonly seconds: number;
  /** Server heap after GC after `checkpoint` requests, and at the end (bytes). */
  readonly heapAtCheckpoint: MemorySnapshot;
  readonly heapAtEnd: MemorySnapshot;
  /** `heapAtEnd.heapUsed / heapAtCheckpoint.heapUsed − 1`. */
  readonly heapGrowth: number;
  /** Server streams open once the load stopped and the server settled. */
  readonly streamsActiveAtEnd: number;
  /** Heap after GC at each progress point (requests done → heapUsed bytes). */
  readonly heapCurve: ReadonlyArray<readonly [number, number]>;
  /** The server's log lines at warn level and above (absent in runs from before they were kept). */
  readonly serverLog?: ServerLogCount;
}

/** Lines a server logged at warn level and above, by level, and the first of them. */
export interface ServerLogCount {
  readonly warn: number;
  readonly error: number;
  readonly fatal: number;
  readonly first?: string;
}

/** Counts the JSON log lines of `text` by level (lines that are no JSON count as errors). */
export function countServerLog(text: string): ServerLogCount {
  const counts = { warn: 0, error: 0, fatal: 0 };
  let first: string | undefined;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    first ??= line.length > 300 ? `${line.slice(0, 300)}…` : line;
    let level: unknown;
    try {
      level = (JSON.parse(line) as { level?: unknown }).level;
    } catch {
      level = 'error';
    }
    if (level === 'warn' || level === 'fatal') counts[level]++;
    else counts.error++;
  }
  return { ...counts, ...(first ? { first } : {}) };
}

/** Options of {@link runSoak}. */
export interface SoakOptions extends RunOptions {
  readonly requests: number;
  readonly checkpoint?: number;
  readonly concurrency?: number;
  /** Progress lines (stderr by default). */
  readonly progress?: (line: string) => void;
  /** Where the server writes its warn and error lines (default bench/out/soak-server-warnings.log). */
  readonly serverLogPath?: string;
}

async function settledInFlight(server: Child, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let n = await server.ipc.call<number>('inFlight');
  // Streams end asynchronously after the client's last close or reset: poll until 0 or the deadline.
  while (n > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    n = await server.ipc.call<number>('inFlight');
  }
  return n;
}

/** Runs the soak against a fresh llm-extproc server child. */
export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const checkpoint = Math.min(opts.checkpoint ?? SOAK_CHECKPOINT, opts.requests);
  const concurrency = opts.concurrency ?? SOAK_CONCURRENCY;
  const progress = opts.progress ?? ((line: string) => void process.stderr.write(`[soak] ${line}\n`));
  const nodeFlags = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
  const serverLogPath = opts.serverLogPath ?? repoPath('bench/out/soak-server-warnings.log');
  rmSync(serverLogPath, { force: true });
  const server = await startChild('server-process', { args: ['extproc', `--warn-log=${serverLogPath}`], nodeFlags });
  const client = await startChild('soak-client');
  try {
    await client.ipc.call('connect', { target: await server.ipc.call<string>('target') });
    const byKind: Partial<Record<SoakKind, number>> = {};
    let errors = 0;
    let firstError: string | undefined;
    const heapCurve: Array<readonly [number, number]> = [];
    let heapAtCheckpoint: MemorySnapshot | undefined;
    const started = performance.now();
    const slice = Math.max(1, Math.min(50_000, checkpoint));
    for (let done = 0; done < opts.requests; ) {
      const to = Math.min(opts.requests, done + slice, done < checkpoint ? checkpoint : Infinity);
      const r = await client.ipc.call<SoakSliceResult>('run', { from: done, to, concurrency });
      for (const [k, n] of Object.entries(r.byKind)) byKind[k as SoakKind] = (byKind[k as SoakKind] ?? 0) + n;
      errors += r.errors;
      firstError ??= r.firstError;
      done = to;
      const heap = await server.ipc.call<MemorySnapshot>('memory', { gc: true });
      heapCurve.push([done, heap.heapUsed]);
      if (done === checkpoint) heapAtCheckpoint = heap;
      const s = (performance.now() - started) / 1000;
      const logged = countServerLog(readFileSync(serverLogPath, 'utf8'));
      progress(`${done.toLocaleString('en-US')} requests, ${(done / s).toFixed(0)}/s, heap after GC ${(heap.heapUsed / 1024 ** 2).toFixed(1)} MB, errors ${errors}, server warn/error lines ${logged.warn + logged.error + logged.fatal}`);
    }
    const seconds = (performance.now() - started) / 1000;
    const streamsActiveAtEnd = await settledInFlight(server);
    const heapAtEnd = await server.ipc.call<MemorySnapshot>('memory', { gc: true });
    const reference = heapAtCheckpoint ?? heapAtEnd;
    const serverLog = countServerLog(readFileSync(serverLogPath, 'utf8'));
    return {
      requests: opts.requests,
      checkpoint,
      concurrency,
      byKind,
      errors,
      ...(firstError ? { firstError } : {}),
      seconds,
      heapAtCheckpoint: reference,
      heapAtEnd,
      heapGrowth: heapAtEnd.heapUsed / reference.heapUsed - 1,
      streamsActiveAtEnd,
      heapCurve,
      serverLog,
    };
  } finally {
    await client.stop();
    await server.stop();
  }
}
