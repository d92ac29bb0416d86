/**
 * Child process running one server under test: `extproc` (the real llm-extproc service, built as
 * `llm-extproc serve` builds it, with the embedded default config), `noop` (the proto-loader
 * no-op processor) or `raw` (the raw-bytes no-op: the transport alone). It reports over IPC what only the server's own process can see: its CPU time,
 * its heap after GC, and its sampled peak memory.
 *
 * Usage (by the orchestrator): `fork('server-process.js', ['extproc' | 'noop' | 'raw', ...variant flags])`.
 */
import { devNull } from 'node:os';
import { pino } from 'pino';
import { loadEmbeddedDefault } from '../src/config/load.js';
import { createLogger } from '../src/logger.js';
import { createGenAiMetrics } from '../src/metrics/genai-metrics.js';
import type { RequestMetrics } from '../src/metrics/request-metrics.js';
import { createTelemetry } from '../src/metrics/telemetry.js';
import { createServer } from '../src/server/service.js';
import { signalReady } from './children.js';
import { serveIpc } from './ipc.js';
import { startNoopProcessor } from './noop-processor.js';
import { startRawNoopProcessor } from './raw-noop-processor.js';
import { BENCH_KEYS, benchCounterStore, RATE_LIMIT_VARIANTS, rateLimitBenchConfig, type RateLimitVariant } from './rate-limit-setup.js';

/** Which server a child runs. */
export type ServerKind = 'extproc' | 'noop' | 'raw';

/** Memory figures a server child reports (bytes). */
export interface MemorySnapshot {
  readonly heapUsed: number;
  readonly arrayBuffers: number;
  readonly external: number;
  readonly rss: number;
}

/** Result of a memory sampling window (bytes; growth is relative to the snapshot taken at its start). */
export interface PeakSample {
  /** Largest heapUsed + arrayBuffers seen, minus the value at the start. */
  readonly peakGrowth: number;
  /** Largest heapUsed growth alone. */
  readonly peakHeapUsedGrowth: number;
  /** Largest arrayBuffers growth alone. */
  readonly peakArrayBuffersGrowth: number;
  readonly samples: number;
}

/**
 * Variations of the extproc server. For finding what costs (never used for reported figures):
 * `--log-level=LEVEL` overrides the config's level; `--no-genai-metrics` replaces the default
 * GenAI metrics hooks with no-ops. `--warn-log=PATH` also writes the lines at warn level and
 * above to PATH (the soak reads them back). For the rate-limit bench: `--rate-limits=off|memory|redis|redis-lease`
 * serves the config of bench/rate-limit-setup.ts (gateway keys required; limits, counted in
 * memory or in Redis, unless `off`).
 */
export interface ExtprocVariant {
  readonly logLevel?: string;
  readonly genAiMetrics?: boolean;
  readonly warnLog?: string;
  readonly rateLimits?: RateLimitVariant;
}

function parseVariant(argv: readonly string[]): ExtprocVariant {
  const flag = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const level = flag('log-level');
  const warnLog = flag('warn-log');
  const rateLimits = flag('rate-limits') as RateLimitVariant | undefined;
  if (rateLimits !== undefined && !RATE_LIMIT_VARIANTS.includes(rateLimits)) throw new Error(`unknown --rate-limits=${rateLimits}`);
  return {
    ...(level ? { logLevel: level } : {}),
    ...(warnLog ? { warnLog } : {}),
    genAiMetrics: !argv.includes('--no-genai-metrics'),
    ...(rateLimits ? { rateLimits } : {}),
  };
}

const NOOP_METRICS: RequestMetrics = {
  startRequest: () => undefined,
  setModel: () => undefined,
  setBackend: () => undefined,
  recordTokenUsage: () => undefined,
  recordRequestCompletion: () => undefined,
  recordTokenLatency: () => undefined,
};

/** A started server: where it listens, its open ext_proc streams (llm_extproc.streams.active), and how to stop it. */
interface StartedServer {
  readonly target: string;
  readonly inFlight: () => number;
  stop(): Promise<void>;
}

async function startExtproc(variant: ExtprocVariant): Promise<StartedServer> {
  const loaded = variant.rateLimits ? rateLimitBenchConfig(variant.rateLimits) : loadEmbeddedDefault();
  // Log lines are produced and serialised as in production (synchronous writes to a file
  // descriptor), then discarded by the OS; warnings and errors also go to `warnLog` when given.
  const discard = pino.destination({ dest: devNull, sync: true });
  const level = variant.logLevel ?? loaded.config.log.level;
  const destination = variant.warnLog
    ? pino.multistream([
        { level: level as pino.Level, stream: discard },
        { level: 'warn', stream: pino.destination({ dest: variant.warnLog, sync: true, mkdir: true }) },
      ])
    : discard;
  const logger = createLogger(level, destination);
  const telemetry = createTelemetry({ serviceName: 'llm-extproc' });
  const meter = telemetry.meterProvider.getMeter('llm-extproc');
  const rateLimitStore = variant.rateLimits ? benchCounterStore(variant.rateLimits, logger) : undefined;
  const server = createServer({
    config: loaded,
    logger,
    meter,
    metricsHandler: (req, res) => telemetry.handleMetricsRequest(req, res),
    createDefaultMetrics: (config) =>
      variant.genAiMetrics === false ? { newRequest: () => NOOP_METRICS } : createGenAiMetrics(meter, {
        requestHeaderAttributes: config.metrics.requestHeaderAttributes,
        maxAttributeValues: config.metrics.maxAttributeValues,
        logger,
      }),
    grpcAddress: '127.0.0.1:0',
    adminAddress: '127.0.0.1:0',
    cwd: process.cwd(),
    ...(variant.rateLimits ? { keys: BENCH_KEYS } : {}),
    ...(rateLimitStore ? { rateLimitStore } : {}),
  });
  const bound = await server.start();
  return {
    target: bound.grpc,
    inFlight: () => server.inFlight,
    stop: async () => {
      await server.stop({ drainTimeoutMs: 1_000 });
      await telemetry.shutdown();
    },
  };
}

async function startNoop(raw: boolean): Promise<StartedServer> {
  const max = loadEmbeddedDefault().config.grpc.maxMessageBytes;
  const noop = raw ? await startRawNoopProcessor(max) : await startNoopProcessor(max);
  return { target: noop.target, inFlight: () => 0, stop: async () => noop.stop() };
}

function collectGarbage(): void {
  const gc = globalThis.gc;
  if (!gc) throw new Error('run with --expose-gc');
  // Twice: objects with finalizers / weak references need a second pass to go.
  gc();
  gc();
}

function snapshot(): MemorySnapshot {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, external: m.external, rss: m.rss };
}

async function main(): Promise<void> {
  const kind = process.argv[2] as ServerKind;
  if (kind !== 'extproc' && kind !== 'noop' && kind !== 'raw') throw new Error(`unknown server kind ${String(kind)}`);
  const server = kind === 'extproc' ? await startExtproc(parseVariant(process.argv.slice(3))) : await startNoop(kind === 'raw');
  let sampler: { timer: NodeJS.Timeout; take: () => void; peak: number; peakHeap: number; peakAb: number; samples: number } | undefined;

  serveIpc({
    target: () => server.target,
    cpu: () => process.cpuUsage(),
    inFlight: () => server.inFlight(),
    memory: (args: { gc?: boolean } | undefined) => {
      if (args?.gc !== false) collectGarbage();
      return snapshot();
    },
    sampleStart: (args: { intervalMs?: number } | undefined) => {
      collectGarbage();
      const base = snapshot();
      const s = { peak: 0, peakHeap: 0, peakAb: 0, samples: 0, timer: undefined as unknown as NodeJS.Timeout, take: () => undefined as void };
      const take = (): void => {
        const m = process.memoryUsage();
        const heap = m.heapUsed - base.heapUsed;
        const ab = m.arrayBuffers - base.arrayBuffers;
        s.peak = Math.max(s.peak, heap + ab);
        s.peakHeap = Math.max(s.peakHeap, heap);
        s.peakAb = Math.max(s.peakAb, ab);
        s.samples++;
      };
      s.take = take;
      s.timer = setInterval(take, args?.intervalMs ?? 1);
      sampler = s;
      return base;
    },
    sampleStop: (): PeakSample => {
      if (!sampler) throw new Error('no sampling window open');
      clearInterval(sampler.timer);
      sampler.take();
      const s = sampler;
      sampler = undefined;
      return { peakGrowth: s.peak, peakHeapUsedGrowth: s.peakHeap, peakArrayBuffersGrowth: s.peakAb, samples: s.samples };
    },
    exit: async () => {
      await server.stop();
      setImmediate(() => process.exit(0));
      return true;
    },
  });
  signalReady();
}

main().catch((err: unknown) => {
  process.stderr.write(`server-process: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
