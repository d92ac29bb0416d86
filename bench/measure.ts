/**
 * Measuring one server from the client child: start a server child, point the client at it,
 * check it does the real work (routes, switches SSE to STREAMED, hands back usage metadata),
 * and read the server's CPU time around a load run.
 */
import { startChild, type Child } from './children.js';
import type { ReplySummary } from './client-process.js';
import type { Timings } from './exchange.js';
import type { LoadResult } from './load-patterns.js';
import type { ScriptSpec } from './scripts.js';
import type { ServerKind } from './server-process.js';

/** A running server child. */
export interface ServerUnderTest {
  readonly kind: ServerKind;
  readonly child: Child;
  readonly target: string;
}

/** Options shared by every scenario run. */
export interface RunOptions {
  /** Directory for `--cpu-prof` profiles of llm-extproc server children; none when undefined. */
  readonly profileDir?: string;
  /** Scale request counts (bench:quick uses less than 1). */
  readonly scale: number;
}

/** Starts a server child of `kind` (with server-process.ts's variant flags) and connects the client to it. */
export async function startServer(kind: ServerKind, client: Child, opts: RunOptions, variantFlags: readonly string[] = []): Promise<ServerUnderTest> {
  const nodeFlags = kind === 'extproc' && opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
  const child = await startChild('server-process', { args: [kind, ...variantFlags], nodeFlags });
  const target = await child.ipc.call<string>('target');
  await client.ipc.call('connect', { target });
  return { kind, child, target };
}

/** Runs `fn` against a fresh server of `kind`, stopping it afterwards. */
export async function withServer<T>(kind: ServerKind, client: Child, opts: RunOptions, fn: (s: ServerUnderTest) => Promise<T>): Promise<T> {
  const server = await startServer(kind, client, opts);
  try {
    return await fn(server);
  } finally {
    await server.child.stop();
  }
}

/** Server CPU time so far (user + system, µs), as the server process itself reports it. */
export async function serverCpuMicros(server: ServerUnderTest): Promise<number> {
  const u = await server.child.ipc.call<NodeJS.CpuUsage>('cpu');
  return u.user + u.system;
}

/**
 * Runs one exchange of `spec` and checks the server did its job: llm-extproc must set the route
 * header on the request body, switch an SSE response to STREAMED, and return usage metadata at
 * the end; the no-op must answer every message. Throws otherwise, so no figure is ever measured
 * on an error path.
 */
export async function validate(client: Child, server: ServerUnderTest, spec: ScriptSpec): Promise<void> {
  const v = await client.ipc.call<{ ok: boolean; error?: string; count: number; replies: ReplySummary[] }>('validate', { script: spec });
  if (!v.ok) throw new Error(`${server.kind}: exchange failed: ${v.error}`);
  if (server.kind !== 'extproc') return;
  const [, body, responseHeaders] = v.replies;
  const last = v.replies[v.replies.length - 1];
  const problems: string[] = [];
  if (!body?.setHeaders.includes('x-ai-eg-selected-route')) problems.push('request body reply does not set the route header');
  if (spec.kind === 'streaming' && responseHeaders?.modeOverride !== 'STREAMED') problems.push('SSE response not switched to STREAMED');
  if (!last?.dynamicMetadata) problems.push('no usage metadata at the end of the response');
  if (problems.length > 0) throw new Error(`llm-extproc did not do the expected work: ${problems.join('; ')}`);
}

/** One measured closed-loop run: server CPU per exchange and the client's timings. */
export interface ClosedRun {
  readonly cpuMicrosPerExchange: number;
  readonly timings: Timings;
  readonly result: LoadResult;
}

/**
 * Validates, warms up (`warmup` exchanges), then runs `count` exchanges with `concurrency` in
 * flight and reads the server's CPU time before and after.
 */
export async function closedRun(
  client: Child,
  server: ServerUnderTest,
  spec: ScriptSpec,
  opts: { count: number; warmup: number; concurrency: number },
): Promise<ClosedRun> {
  await validate(client, server, spec);
  if (opts.warmup > 0) await client.ipc.call('closed', { script: spec, concurrency: opts.concurrency, count: opts.warmup, record: false });
  const cpu0 = await serverCpuMicros(server);
  const result = await client.ipc.call<LoadResult>('closed', { script: spec, concurrency: opts.concurrency, count: opts.count });
  const cpu1 = await serverCpuMicros(server);
  if (result.errors > 0) throw new Error(`${server.kind}: ${result.errors} failed exchanges, first: ${result.firstError}`);
  return { cpuMicrosPerExchange: (cpu1 - cpu0) / result.completed, timings: result.timings, result };
}

/** Concatenates the timings of several runs. */
export function poolTimings(runs: readonly Timings[]): Timings {
  const out: Timings = { requestHeaders: [], requestBody: [], responseHeaders: [], responseBody: [], close: [] };
  for (const k of Object.keys(out) as Array<keyof Timings>) out[k] = out[k].concat(...runs.map((t) => t[k]));
  return out;
}
