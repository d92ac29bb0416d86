/**
 * Starts the real llm-extproc service in-process for integration tests: real gRPC server on
 * 127.0.0.1:0, real admin HTTP server, real OTel SDK with the Prometheus exporter, and a logger
 * whose lines are kept for assertions.
 */
import { Writable } from 'node:stream';
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { AccessRuntime } from '../../src/access/access-runtime.js';
import type { KeyLookup } from '../../src/access/key-lookup.js';
import type { CounterStore } from '../../src/rate-limits/counter-store.js';
import { LedgerRuntime } from '../../src/ledger/ledger-runtime.js';
import type { SqlDb } from '../../src/storage/sql-db.js';
import { parseConfig, loadEmbeddedDefault, type LoadedConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logger.js';
import { genAiMetricsPerConfig } from '../../src/metrics/genai-metrics.js';
import { createTelemetry } from '../../src/metrics/telemetry.js';
import { createServer, type BoundAddresses, type LlmExtprocServer } from '../../src/server/service.js';

/** A started service. */
export interface TestService {
  readonly server: LlmExtprocServer;
  readonly addresses: BoundAddresses;
  /** gRPC target for clients. */
  readonly target: string;
  /** Base URL of the admin port. */
  readonly adminUrl: string;
  /** Log lines written so far, parsed. */
  readonly logs: Array<Record<string, unknown>>;
  /** Raw log text written so far. */
  logText(): string;
  /** GET /metrics. */
  metricsText(): Promise<string>;
  /** The ledger, when one was given or built ({@link StartServiceOptions.ledgerDb}). */
  readonly ledger?: LedgerRuntime;
  stop(): Promise<void>;
}

/** Options of {@link startService}. */
export interface StartServiceOptions {
  /** Config YAML; the embedded default when omitted. Listen addresses are forced to port 0. */
  readonly yaml?: string;
  /** A config already loaded (e.g. from a file, so relative module paths resolve). */
  readonly loaded?: LoadedConfig;
  /** Directory for relative module paths of an inline config. */
  readonly cwd?: string;
  /** gRPC address override (default `127.0.0.1:0`; `null` uses the config's own address). */
  readonly grpcAddress?: string | null;
  /** Gateway-key lookup (e.g. an in-memory fake). */
  readonly keys?: KeyLookup;
  /** Environment for `{ env: NAME }` secret references. */
  readonly readEnv?: (name: string) => string | undefined;
  /** Access runtime (key store, admin API); closed by `stop()`. */
  readonly access?: AccessRuntime;
  /** Builds and starts the ledger with the service's meter and logger; closed by `stop()`. */
  readonly ledger?: (meter: Meter, logger: Logger) => Promise<LedgerRuntime>;
  /**
   * The ledger on this database, with the config's `ledger` settings, the service's meter and
   * logger, spilling to `ledgerSpillPath` (default: the config's `ledger.spillPath`). Ignored
   * when `ledger` is given.
   */
  readonly ledgerDb?: () => Promise<SqlDb>;
  readonly ledgerSpillPath?: string;
  /** Rate-limit counters (e.g. on the test Redis); closed by `stop()`. */
  readonly rateLimitStore?: CounterStore;
  /** The clock of per-minute windows. */
  readonly now?: () => number;
}

/** Starts the service. */
export async function startService(opts: StartServiceOptions = {}): Promise<TestService> {
  const loaded = opts.loaded ?? (opts.yaml !== undefined ? parseConfig(opts.yaml, 'test config') : loadEmbeddedDefault());
  let text = '';
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      const s = chunk.toString('utf8');
      text += s;
      for (const line of s.split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = createLogger('info', sink);
  const telemetry = createTelemetry({ serviceName: 'llm-extproc' });
  const meter = telemetry.meterProvider.getMeter('llm-extproc');
  const ledger = opts.ledger ? await opts.ledger(meter, logger) : opts.ledgerDb ? await startLedger(loaded, opts.ledgerDb, opts.ledgerSpillPath, meter, logger) : undefined;
  const server = createServer({
    config: loaded,
    logger,
    meter,
    metricsHandler: (req, res) => telemetry.handleMetricsRequest(req, res),
    createDefaultMetrics: genAiMetricsPerConfig(meter, logger),
    ...(opts.grpcAddress === null ? {} : { grpcAddress: opts.grpcAddress ?? '127.0.0.1:0' }),
    adminAddress: '127.0.0.1:0',
    cwd: opts.cwd ?? process.cwd(),
    ...(opts.keys ? { keys: opts.keys } : {}),
    ...(opts.readEnv ? { readEnv: opts.readEnv } : {}),
    ...(opts.access ? { access: opts.access } : {}),
    ...(ledger ? { ledger } : {}),
    ...(opts.rateLimitStore ? { rateLimitStore: opts.rateLimitStore } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const addresses = await server.start();
  const adminUrl = `http://127.0.0.1:${addresses.adminPort}`;
  return {
    server,
    addresses,
    target: addresses.grpc,
    adminUrl,
    logs,
    logText: () => text,
    metricsText: async () => (await fetch(`${adminUrl}/metrics`)).text(),
    ...(ledger ? { ledger } : {}),
    stop: async () => {
      await server.stop({ drainTimeoutMs: 5_000 });
      await telemetry.shutdown();
    },
  };
}

async function startLedger(loaded: LoadedConfig, db: () => Promise<SqlDb>, spillPath: string | undefined, meter: Meter, logger: Logger): Promise<LedgerRuntime> {
  const ledger = new LedgerRuntime({ db, config: loaded.config.ledger, spillPath: spillPath ?? loaded.config.ledger.spillPath, meter, logger });
  await ledger.start();
  return ledger;
}
