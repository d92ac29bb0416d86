/**
 * The service: gRPC server (ext_proc + health), admin HTTP, config generations and drain.
 * `createServer(deps)` builds an unstarted server; `start()` binds and resolves with the ports;
 * `reload()` swaps the whole generation; `stop()` drains.
 */
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { configWarnings } from '../config/config-warnings.js';
import type { LoadedConfig } from '../config/load.js';
import { loadServiceDefinitions } from '../envoy/protos.js';
import type { RequestMetricsFactory } from '../metrics/request-metrics.js';
import type { Generation, GenerationInfo } from '../processor/generation.js';
import { RequestProcessor } from '../processor/request-processor.js';
import { grpcBindTarget, parseAddress } from './address.js';
import { createAdminServer } from './admin-http.js';
import type { AdminHandler } from '../admin/respond.js';
import { buildGeneration } from './build-generation.js';
import { debugRoutes } from './debug-routes.js';
import { BreakerBoard } from '../resilience/breaker-board.js';
import { dashboardRoutes } from '../dashboard/dashboard-routes.js';
import { DecisionRing } from './decision-ring.js';
import { removeStaleSocket } from './stale-socket.js';
import { setStreamResetLimit, type StreamResetLimit } from './stream-reset-limit.js';
import { listenErrorOf } from './listen-error.js';
import { logFailure } from '../log-failure.js';
import { HealthService } from './health.js';
import { EventLoopLagMonitor } from './event-loop-lag.js';
import { OutcomeRecorder } from './outcome-recorder.js';
import { ServiceMetrics } from './service-metrics.js';
import { serveStream, type ProcessCall } from './stream.js';
import { SecretFiles } from '../credentials/secret-files.js';
import type { KeyLookup } from '../access/key-lookup.js';
import { ADMIN_API_PREFIX, createAdminApi } from '../admin/admin-api.js';
import { accessAdminRoutes } from '../access/admin-routes.js';
import { usageAdminRoutes } from '../ledger/usage-admin-routes.js';
import { sqlDbOf } from '../ledger/open-ledger.js';
import type { AccessRuntime } from '../access/access-runtime.js';
import { describeSecretRef, resolveSecretRef } from '../access/secret-ref.js';
import type { LedgerRuntime } from '../ledger/ledger-runtime.js';
import { pricingMissingCounter, usageHook } from '../ledger/usage-recorder.js';
import type { CounterStore } from '../rate-limits/counter-store.js';
import { MemoryCounterStore } from '../rate-limits/memory-store.js';
import { rateLimitInstruments } from '../rate-limits/rate-limits-hook.js';
import { rateLimitAdminRoutes } from '../rate-limits/rate-limits-admin-routes.js';
import { cacheAdminRoutes } from '../cache/cache-admin-routes.js';
import { CacheRuntime } from '../cache/cache-runtime.js';
import type { ResponseCache } from '../cache/response-cache.js';

/** What the service is built from. Everything is injected; nothing is read from the process. */
export interface ServerDeps {
  /** The first config. */
  readonly config: LoadedConfig;
  readonly logger: Logger;
  readonly meter: Meter;
  /** Serves `/metrics` (the Prometheus exporter's handler). */
  readonly metricsHandler: AdminHandler;
  /** Builds the built-in metrics factory for a config generation. */
  readonly createDefaultMetrics: (config: LoadedConfig['config']) => RequestMetricsFactory;
  /** Listen address overrides (flags/env), else the config's. */
  readonly grpcAddress?: string;
  readonly adminAddress?: string;
  /** Directory for relative module paths of an embedded config (default: the process cwd as given by main). */
  readonly cwd: string;
  /** Reads an environment variable for `{ env: NAME }` secret references (default: none set). */
  readonly readEnv?: (name: string) => string | undefined;
  /** Gateway-key lookup (the key store), shared by every generation. */
  readonly keys?: KeyLookup;
  /** The key store behind the admin API (`/admin/`, on when `admin.token` is set); closed (counts flushed) by `stop()`. */
  readonly access?: AccessRuntime;
  /** The usage ledger (records, budgets); started by the caller, closed (flushed) by `stop()`. */
  readonly ledger?: LedgerRuntime;
  /** A response cache to use instead of the one each config describes (never replaced by a reload); closed by `stop()`. */
  readonly cache?: ResponseCache;
  /** Rate-limit counters (Redis for several replicas); default: in memory. Closed by `stop()`. */
  readonly rateLimitStore?: CounterStore;
  /** The clock of per-minute windows (ms since epoch); default `Date.now`. Tests inject one. */
  readonly now?: () => number;
}

/** Where the service listens once started. */
export interface BoundAddresses {
  /** gRPC target clients dial (`127.0.0.1:PORT` style or `unix:/path`). */
  readonly grpc: string;
  /** gRPC TCP port (undefined for a Unix socket). */
  readonly grpcPort: number | undefined;
  /** Admin HTTP port. */
  readonly adminPort: number;
}

/** A running (or runnable) llm-extproc. */
export interface LlmExtprocServer {
  /** Builds the first generation, binds gRPC and admin, starts serving. */
  start(): Promise<BoundAddresses>;
  /**
   * Validates and swaps to a new config; on failure (including a config that failed to load,
   * passed as a rejected promise) keeps the current one, logs, counts and throws.
   */
  reload(config: LoadedConfig | Promise<LoadedConfig>): Promise<GenerationInfo>;
  /** Readiness fails, new streams are refused, in-flight streams get `drainTimeoutMs` to finish. */
  stop(opts?: { drainTimeoutMs?: number }): Promise<void>;
  /**
   * Flips readiness (and gRPC health) off while still serving new streams: the first step of a
   * drain, so Envoy's health checks move traffic away during the pre-stop delay.
   */
  markDraining(): void;
  /** The generation serving new requests. */
  readonly generation: GenerationInfo | undefined;
  /** The config of the generation serving new requests (undefined before `start()`). */
  readonly config: LoadedConfig['config'] | undefined;
  /** Streams open now. */
  readonly inFlight: number;
}

/** Creates an unstarted server. */
export function createServer(deps: ServerDeps): LlmExtprocServer {
  const logger = deps.logger;
  const definitions = loadServiceDefinitions();
  const health = new HealthService();
  const serviceMetrics = new ServiceMetrics(deps.meter);
  const ring = new DecisionRing(deps.config.config.admin.recentDecisions);
  // Secret files are watched once for the process, shared by every generation.
  const secrets = { files: new SecretFiles({ logger }), readEnv: deps.readEnv ?? (() => undefined), logger };
  // Provider credentials per project, from the key store (on with auth.providerCredentials).
  const projectCredentials = deps.access?.projectCredentials ? { projectCredentials: deps.access.projectCredentials } : {};
  let current: Generation | undefined;
  /** Readiness is off (health NOT_SERVING); streams are still accepted. */
  let notReady = false;
  /** stop() has begun: new streams are refused. */
  let draining = false;
  let serving = false;
  /** The addresses bound by start(), after flags and environment (for /debug/config). */
  let listening: { grpc: string; admin: string } | undefined;
  let streamIds = 0;
  let warnedStreamed = false;
  let grpcServer: grpc.Server | undefined;
  let adminServer: HttpServer | undefined;
  const openStreams = new Set<Promise<void>>();
  // The request log line is built from an allowlist of fields (processor/request-log.ts), every
  // value a primitive under a fixed key, so the root logger's redaction can never change it; but
  // pino runs its wildcard redaction over each field of every line, which cost about 20 µs per
  // request (bench/BENCHMARKS.md). The line's logger therefore has no redaction paths.
  const requestLog = logger.child({ component: 'requests' }, { redact: [] });
  const outcomes = new OutcomeRecorder(serviceMetrics, ring, requestLog, () => current?.config.log.prompts ?? false);
  // Built once per process and shared by every generation's hook list: their instruments and
  // the ledger outlive a reload.
  const recorders = [usageHook(deps.meter, deps.ledger), outcomes];
  // The response cache, swapped when a reload changes its store (an embedder's cache never is).
  const caches = new CacheRuntime({ meter: deps.meter, logger, cwd: deps.cwd, ...(deps.readEnv ? { readEnv: deps.readEnv } : {}), ...(deps.cache ? { injected: deps.cache } : {}) });
  /** Builds generation `id` on the cache its config describes; the cache is committed only once the generation is built. */
  async function generationFor(config: LoadedConfig, id: number): Promise<{ generation: Generation; commitCache: () => void }> {
    const prepared = await caches.prepare(config);
    try {
      const generation = await buildGeneration(config, id, {
        meter: deps.meter,
        logger,
        createDefaultMetrics: deps.createDefaultMetrics,
        cwd: deps.cwd,
        secrets,
        ...ledgerDeps,
        ...(prepared.cache ? { cache: prepared.cache } : {}),
        ...(deps.keys ? { keys: deps.keys } : {}),
        ...projectCredentials,
      });
      return { generation, commitCache: () => prepared.commit() };
    } catch (err) {
      await prepared.discard().catch((closeErr: unknown) => logger.error({ err: closeErr }, 'closing the response cache opened for a refused config failed'));
      throw err;
    }
  }
  const rateLimitStore: CounterStore = deps.rateLimitStore ?? new MemoryCounterStore();
  const rateLimits = { store: rateLimitStore, instruments: rateLimitInstruments(deps.meter), meter: deps.meter, ...(deps.now ? { now: deps.now } : {}) };
  // A store's background calls (leases' syncs) that fail are counted as the request path's are.
  rateLimitStore.onBackgroundError?.(() => rateLimits.instruments.storeErrors.add(1, { 'llm_extproc.rate_limit.failure_mode': current?.config.rateLimits.failureMode ?? deps.config.config.rateLimits.failureMode }));
  // This replica's circuit breakers outlive reloads; each generation sets their policy.
  const breakers = new BreakerBoard({ policy: deps.config.config.resilience.breaker, meter: deps.meter, ...(deps.now ? { now: deps.now } : {}) });
  const ledgerDeps = { pricingMissing: pricingMissingCounter(deps.meter), recorders, rateLimits, breakers, ...(deps.ledger ? { budgets: deps.ledger.budgets } : {}) };
  // Readiness also fails while the event loop stays held (readiness.maxEventLoopLagMs).
  const lag = new EventLoopLagMonitor({
    meter: deps.meter,
    logger,
    maxLagMs: () => current?.config.readiness.maxEventLoopLagMs ?? 0,
    onChange: () => health.setServing(serving && !notReady && lag.healthy),
  });

  const streamDeps = {
    logger,
    nextStreamId: () => ++streamIds,
    onEnd: (end: 'completed' | 'cancelled' | 'error') => serviceMetrics.streamEnded(end),
    newProcessor: (streamLogger: Logger) =>
      new RequestProcessor({
        generation: current!,
        logger: streamLogger,
        events: outcomes,
        warnStreamedOnce: () => {
          if (warnedStreamed) return;
          warnedStreamed = true;
          logger.warn('request body mode STREAMED/NONE: routing from headers and URL only; configure BUFFERED to route on the body model');
        },
      }),
  };

  function handleProcess(call: ProcessCall): void {
    if (draining || !current) {
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'llm-extproc is draining' });
      return;
    }
    serviceMetrics.streamStarted();
    const done = serveStream(call, streamDeps);
    openStreams.add(done);
    void done.finally(() => openStreams.delete(done));
  }

  async function bindGrpc(address: string, maxMessageBytes: number, resets: StreamResetLimit): Promise<{ target: string; port: number | undefined; bound: string }> {
    const server = new grpc.Server({
      'grpc.max_receive_message_length': maxMessageBytes,
      'grpc.max_send_message_length': maxMessageBytes,
    });
    setStreamResetLimit(server, resets);
    server.addService(definitions.extProc, { Process: handleProcess });
    server.addService(definitions.health, health.handlers());
    const parsed = parseAddress(address);
    if (parsed.kind === 'unix') await removeStaleSocket(parsed.path);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(grpcBindTarget(parsed), grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(listenErrorOf('grpc', address, err)) : resolve(p))),
    );
    grpcServer = server;
    if (parsed.kind === 'unix') return { target: `unix:${parsed.path}`, port: undefined, bound: `unix:${parsed.path}` };
    const host = parsed.host === '0.0.0.0' || parsed.host === '::' ? '127.0.0.1' : parsed.host;
    return { target: grpcBindTarget({ kind: 'tcp', host, port }), port, bound: grpcBindTarget({ ...parsed, port }) };
  }

  const openStore = () => (deps.access ? deps.access.store() : Promise.reject(new Error('no access store configured')));
  const adminLogger = logger.child({ component: 'admin-api' });
  const adminApi = createAdminApi({
    token: async () => {
      const ref = current?.config.admin.token;
      if (!ref) return { state: 'off' };
      const source = current?.info.source;
      const baseDir = !source || source === 'embedded default' ? deps.cwd : dirname(source);
      const value = await resolveSecretRef(ref, { baseDir, ...(deps.readEnv ? { readEnv: deps.readEnv } : {}) });
      return value === undefined ? { state: 'unavailable', where: describeSecretRef(ref) } : { state: 'on', value };
    },
    routes: [
      ...accessAdminRoutes({
        store: openStore,
        ...(deps.access ? { cache: deps.access, ...(deps.access.projectCredentials ? { projectCredentials: deps.access } : {}) } : {}),
        logger: adminLogger,
      }),
      ...usageAdminRoutes({ db: async () => sqlDbOf(await openStore()), logger: adminLogger }),
      ...cacheAdminRoutes({ cache: () => caches.cache, logger: adminLogger }),
      ...rateLimitAdminRoutes({ store: rateLimitStore, config: () => current?.config, ...(deps.now ? { now: deps.now } : {}) }),
    ],
    logger: adminLogger,
  });

  // The usage dashboard's static files (no data in them; the page calls the admin API).
  const dashboard = dashboardRoutes({ adminApiOn: () => current?.config.admin.token !== undefined });

  /** Logs each setting of `config` that does not take effect in this process (budgets without the ledger). */
  function warnIneffective(config: LoadedConfig['config']): void {
    for (const w of configWarnings(config, { ledger: deps.ledger !== undefined })) logger.warn({ path: w.path }, w.message);
  }

  async function bindAdmin(address: string): Promise<{ port: number; bound: string }> {
    const parsed = parseAddress(address);
    if (parsed.kind === 'unix') await removeStaleSocket(parsed.path);
    const server = createAdminServer({
      ready: () => serving && !notReady && !draining && current !== undefined && lag.healthy,
      metrics: deps.metricsHandler,
      routes: new Map([
        ...debugRoutes({
          enabled: () => current?.config.admin.debug ?? false,
          generation: () => current,
          inFlight: () => serviceMetrics.inFlight,
          decisions: () => ring.list(),
          breakers: () => breakers.snapshot(),
          listening: () => listening,
        }),
        ...dashboard,
      ]),
      prefixRoutes: [{ prefix: ADMIN_API_PREFIX, handler: adminApi }],
      logger,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(listenErrorOf('admin', address, err)));
      if (parsed.kind === 'unix') server.listen(parsed.path, resolve);
      else server.listen(parsed.port, parsed.host, resolve);
    });
    adminServer = server;
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? (addr as AddressInfo).port : 0;
    return { port, bound: parsed.kind === 'unix' ? `unix:${parsed.path}` : grpcBindTarget({ ...parsed, port }) };
  }

  return {
    get generation() {
      return current?.info;
    },
    get config() {
      return current?.config;
    },
    get inFlight() {
      return serviceMetrics.inFlight;
    },

    async start() {
      const first = await generationFor(deps.config, 1);
      current = first.generation;
      first.commitCache();
      serviceMetrics.reload('success');
      warnIneffective(current.config);
      const cfg = current.config;
      const admin = await bindAdmin(deps.adminAddress ?? cfg.admin.address);
      const adminPort = admin.port;
      const grpcBound = await bindGrpc(deps.grpcAddress ?? cfg.grpc.address, cfg.grpc.maxMessageBytes, {
        burst: cfg.grpc.streamResetBurst,
        perSecond: cfg.grpc.streamResetsPerSecond,
      });
      listening = { grpc: grpcBound.bound, admin: admin.bound };
      serving = true;
      lag.start();
      health.setServing(lag.healthy);
      // The addresses actually bound (0.0.0.0 stays 0.0.0.0; port 0 becomes the port chosen).
      logger.info({ grpc: grpcBound.bound, admin: admin.bound, adminPort, config: current.info.source, generation: current.info.id }, 'llm-extproc serving');
      return { grpc: grpcBound.target, grpcPort: grpcBound.port, adminPort };
    },

    async reload(pending) {
      const previous = current;
      let source = 'config';
      try {
        const config = await pending;
        source = config.source;
        const { generation: next, commitCache } = await generationFor(config, (previous?.info.id ?? 0) + 1);
        if (previous && (next.config.grpc.address !== previous.config.grpc.address || next.config.admin.address !== previous.config.admin.address)) {
          logger.warn('listen addresses changed in config: they apply at the next restart');
        }
        current = next; // in-flight requests keep the generation they captured
        commitCache();
        ring.resize(next.config.admin.recentDecisions);
        serviceMetrics.reload('success');
        logger.info({ generation: next.info.id, hash: next.info.hash, source: next.info.source }, 'config reloaded');
        warnIneffective(next.config);
        return next.info;
      } catch (err) {
        serviceMetrics.reload('failure');
        logFailure(logger, 'error', 'config reload failed; keeping the current config', err, { source });
        throw err;
      }
    },

    markDraining() {
      notReady = true;
      health.setServing(false);
    },

    async stop(opts = {}) {
      this.markDraining();
      draining = true;
      const drainMs = opts.drainTimeoutMs ?? current?.config.shutdown.drainTimeoutMs ?? 30_000;
      logger.info({ inFlight: openStreams.size, drainMs }, 'draining');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.allSettled([...openStreams]).then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), drainMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) logger.warn({ inFlight: openStreams.size }, 'drain timeout: cancelling remaining streams');
      health.close();
      const server = grpcServer;
      if (server) {
        if (timedOut) server.forceShutdown();
        else await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      }
      const admin = adminServer;
      if (admin) {
        admin.closeAllConnections();
        await new Promise<void>((resolve) => admin.close(() => resolve()));
      }
      serving = false;
      lag.stop();
      secrets.files.close();
      await rateLimitStore.close().catch((err: unknown) => logger.error({ err }, 'closing the rate-limit store failed'));
      await deps.ledger?.close().catch((err: unknown) => logger.error({ err }, 'closing the ledger failed'));
      await caches.close().catch((err: unknown) => logger.error({ err }, 'closing the response cache failed'));
      await deps.access?.close().catch((err: unknown) => logger.error({ err }, 'closing the access store failed'));
      logger.info('stopped');
    },
  };
}
