/**
 * Memory scenarios, measured inside the server process: heap per idle open stream (1,000 streams
 * held open after their request-headers reply; heap after GC, before and after), and peak memory
 * growth while routing a 10 MB body (sampled every millisecond during the request).
 */
import type { Child } from './children.js';
import { MB } from './bodies.js';
import { validate, withServer, type RunOptions } from './measure.js';
import { row, SCENARIO, type Row } from './rows.js';
import type { MemorySnapshot, PeakSample } from './server-process.js';
import type { ServerKind } from './server-process.js';

/** Streams held open. */
export const IDLE_STREAMS = 1000;

/** Heap per idle stream; also reports array-buffer memory per stream in the details. */
export async function runIdleStreams(client: Child, opts: RunOptions): Promise<{ rows: Row[]; details: Record<ServerKind, { heapPerStream: number; arrayBuffersPerStream: number; opened: number }> }> {
  const details = {} as Record<ServerKind, { heapPerStream: number; arrayBuffersPerStream: number; opened: number }>;
  for (const kind of ['noop', 'extproc'] as const) {
    details[kind] = await withServer(kind, client, opts, async (server) => {
      await validate(client, server, { kind: 'chat', bodySize: 1024 });
      // Warm the paths the streams take, so lazily created objects are not counted per stream.
      await client.ipc.call('openIdle', { count: 50 });
      await client.ipc.call('closeIdle');
      const before = await server.child.ipc.call<MemorySnapshot>('memory', { gc: true });
      const opened = await client.ipc.call<number>('openIdle', { count: IDLE_STREAMS });
      const after = await server.child.ipc.call<MemorySnapshot>('memory', { gc: true });
      const closed = await client.ipc.call<number>('closeIdle');
      if (opened !== IDLE_STREAMS || closed !== IDLE_STREAMS) throw new Error(`${kind}: opened ${opened}, closed ${closed} of ${IDLE_STREAMS} streams`);
      return {
        heapPerStream: (after.heapUsed - before.heapUsed) / IDLE_STREAMS,
        arrayBuffersPerStream: (after.arrayBuffers - before.arrayBuffers) / IDLE_STREAMS,
        opened,
      };
    });
  }
  return {
    rows: [row(SCENARIO.idle, 'heap per open stream (after GC)', 'KB', details.extproc.heapPerStream / 1024, details.noop.heapPerStream / 1024)],
    details,
  };
}

/** Size of the routed body. */
export const PEAK_BODY_BYTES = 10 * MB;

/**
 * Peak growth of V8 heap + array buffers while one 10 MB request (and its 1 KB response) is
 * processed, largest of `repeats` requests, each from a fresh GC baseline; the same for the
 * proto-loader no-op and for the raw-bytes no-op (the transport alone) in the same run.
 *
 * The transport alone peaks at about twice the body: grpc-js keeps the HTTP/2 DATA chunks of a
 * message until its last byte and then concatenates them into the message buffer it hands to
 * the service. The service's own figure counts that message buffer once (the body it routes)
 * plus whatever the service adds beyond the transport: body + (llm-extproc − raw no-op).
 */
export async function runPeakHeap(client: Child, opts: RunOptions, repeats = 5): Promise<{ rows: Row[]; details: Record<ServerKind, PeakSample> }> {
  const details = {} as Record<ServerKind, PeakSample>;
  const spec = { kind: 'chat', bodySize: PEAK_BODY_BYTES } as const;
  for (const kind of ['raw', 'noop', 'extproc'] as const) {
    details[kind] = await withServer(kind, client, opts, async (server) => {
      await validate(client, server, spec);
      let worst: PeakSample | undefined;
      for (let i = 0; i < repeats; i++) {
        await server.child.ipc.call('sampleStart', { intervalMs: 1 });
        const r = await client.ipc.call<{ errors: number; firstError?: string }>('closed', { script: spec, concurrency: 1, count: 1, record: false });
        const s = await server.child.ipc.call<PeakSample>('sampleStop');
        if (r.errors > 0) throw new Error(`${kind}: ${r.firstError}`);
        if (!worst || s.peakGrowth > worst.peakGrowth) worst = s;
      }
      return worst!;
    });
  }
  const own = PEAK_BODY_BYTES + details.extproc.peakGrowth - details.raw.peakGrowth;
  return {
    rows: [
      row(SCENARIO.peakHeap, 'peak heap + array buffer growth (baseline: raw-bytes no-op, the transport alone)', 'MB', details.extproc.peakGrowth / MB, details.raw.peakGrowth / MB),
      row(SCENARIO.peakHeap, 'peak heap + array buffer growth (baseline: proto-loader no-op)', 'MB', details.extproc.peakGrowth / MB, details.noop.peakGrowth / MB),
      row(SCENARIO.peakHeap, "service's own: the received body + growth beyond the transport (baseline: the body)", 'MB', own / MB, PEAK_BODY_BYTES / MB),
    ],
    details,
  };
}
