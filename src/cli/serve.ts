/**
 * `llm-extproc serve`: load config, start the service, hot-reload the config file, drain on
 * SIGTERM/SIGINT (a second signal exits at once). A reload also sets the root logger's level
 * (unless a flag or variable fixed it) and the shutdown settings a later signal uses.
 */
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, loadConfigFile, loadEmbeddedDefault, type LoadedConfig } from '../config/load.js';
import { loadConfigForReload } from '../config/reload-read.js';
import { watchConfigFile } from '../config/watch.js';
import { createLogger, setLogLevel } from '../logger.js';
import { genAiMetricsPerConfig } from '../metrics/genai-metrics.js';
import { createTelemetry } from '../metrics/telemetry.js';
import { parseAddress } from '../server/address.js';
import { createServer } from '../server/service.js';
import { accessRuntimeFor, keyLookupFor, needsAccessStore } from '../access/access-runtime.js';
import { ledgerRuntimeFor } from '../ledger/open-ledger.js';
import { openCounterStore, sharedSpendOf } from '../rate-limits/open-store.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';
import { failureLine, logFailure } from '../log-failure.js';
import { routeGrpcLogs } from '../server/grpc-logging.js';
import type { CliContext } from './run-cli.js';
import { UsageError, type ExitCode } from './io.js';

/** Environment facts main.ts read for us. */
export interface ServeEnv {
  readonly config: string | undefined;
  readonly grpcAddress: string | undefined;
  readonly adminAddress: string | undefined;
  readonly logLevel: string | undefined;
  /**
   * `OTEL_METRICS_EXPORTER`: OTLP export is on when it lists `otlp`. Where to send is left to the
   * exporter, which reads the standard `OTEL_EXPORTER_OTLP_*` variables itself.
   */
  readonly otlp: { readonly metricsExporter: string | undefined };
  /** Reads one environment variable (secret references `{ env: NAME }` in backend auth). */
  readonly readEnv?: (name: string) => string | undefined;
}

/** Loads the config named by flag or env, else the embedded default. */
export async function loadConfigFrom(flag: string | undefined, env: ServeEnv, cwd: string): Promise<LoadedConfig> {
  const file = flag ?? env.config;
  return file ? loadConfigFile(resolve(cwd, file)) : loadEmbeddedDefault();
}

/** Log levels `--log-level` and `log.level` take. */
export const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Checks the listen addresses and log level from flags and environment before anything starts;
 * throws {@link UsageError} naming the flag (or variable) and the value.
 */
export function validateServeOptions(values: Record<string, unknown>, env: ServeEnv): void {
  const pick = (flag: string, envValue: string | undefined, envName: string): [string, string] | undefined => {
    const v = values[flag];
    if (typeof v === 'string') return [`--${flag}`, v];
    // An empty variable counts as unset, as it does where the values are used.
    return envValue ? [envName, envValue] : undefined;
  };
  const level = pick('log-level', env.logLevel, 'LLM_EXTPROC_LOG_LEVEL');
  if (level && !LOG_LEVELS.includes(level[1])) {
    throw new UsageError(`${level[0]} must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(level[1])})`);
  }
  for (const [flag, envValue, envName] of [
    ['grpc-address', env.grpcAddress, 'LLM_EXTPROC_GRPC_ADDRESS'],
    ['admin-address', env.adminAddress, 'LLM_EXTPROC_ADMIN_ADDRESS'],
  ] as const) {
    const address = pick(flag, envValue, envName);
    if (!address) continue;
    try {
      parseAddress(address[1]);
    } catch (err) {
      throw new UsageError(`${address[0]}: ${(err as Error).message}`);
    }
  }
}

/** Runs the service until a signal drains it. */
export async function runServe(values: Record<string, unknown>, ctx: CliContext): Promise<ExitCode> {
  const { io, env } = ctx;
  validateServeOptions(values, env);
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfigFrom(values['config'] as string | undefined, env, io.cwd);
  } catch (err) {
    io.err(`${err instanceof ConfigError ? err.message : String(err)}\n`);
    return 1;
  }
  // A level from the flag or the environment holds for the life of the process; else `log.level` of the current config.
  const fixedLevel = (values['log-level'] as string | undefined) ?? (env.logLevel || undefined);
  const logger = createLogger(fixedLevel ?? loaded.config.log.level);
  routeGrpcLogs(logger);
  const otlpEnabled = (env.otlp.metricsExporter ?? '').split(',').map((s) => s.trim()).includes('otlp');
  const telemetry = createTelemetry({ serviceName: PACKAGE_NAME, otlp: { enabled: otlpEnabled } });
  const meter = telemetry.meterProvider.getMeter(PACKAGE_NAME, PACKAGE_VERSION);
  // The key store opens on first need (a key to check, an admin API call); checked at start below.
  const accessSources = { logger, cwd: io.cwd, ...(env.readEnv ? { readEnv: env.readEnv } : {}) };
  const access = accessRuntimeFor(loaded, accessSources);
  let rateLimitStore;
  try {
    rateLimitStore = await openCounterStore(loaded.config, { baseDir: loaded.source === 'embedded default' ? io.cwd : dirname(loaded.source), logger, ...(env.readEnv ? { readEnv: env.readEnv } : {}) });
  } catch (err) {
    logger.fatal({ err }, 'startup failed');
    io.err(`llm-extproc: startup failed: ${(err as Error).message}\n`);
    return 1;
  }
  // With rate-limit counters in Redis, budgets count spend there too: replicas share one budget.
  const sharedSpend = sharedSpendOf(rateLimitStore);
  const ledger = ledgerRuntimeFor(loaded, access, { meter, logger, cwd: io.cwd, ...(sharedSpend ? { sharedSpend } : {}) });
  const server = createServer({
    config: loaded,
    // The key store's lookup, or the external key service of auth.external.
    keys: keyLookupFor(loaded, access, accessSources),
    access,
    ...(ledger ? { ledger } : {}),
    rateLimitStore,
    logger,
    meter,
    metricsHandler: (req, res) => telemetry.handleMetricsRequest(req, res),
    createDefaultMetrics: genAiMetricsPerConfig(meter, logger),
    ...((values['grpc-address'] ?? env.grpcAddress) ? { grpcAddress: (values['grpc-address'] ?? env.grpcAddress) as string } : {}),
    ...((values['admin-address'] ?? env.adminAddress) ? { adminAddress: (values['admin-address'] ?? env.adminAddress) as string } : {}),
    cwd: io.cwd,
    ...(env.readEnv ? { readEnv: env.readEnv } : {}),
  });
  // Signal handlers go in before the server binds: a SIGTERM right after "serving" must drain,
  // not kill the process with the default handler.
  let watcher: ReturnType<typeof watchConfigFile> | undefined;
  let pricesWatcher: ReturnType<typeof watchConfigFile> | undefined;
  let started: Promise<unknown> = Promise.resolve();
  const exit = waitForShutdown(ctx, logger, async () => {
    await started.catch(() => undefined);
    watcher?.close();
    pricesWatcher?.close();
    // The settings of the config serving when the signal came, reloads included.
    const cfg = (server.config ?? loaded.config).shutdown;
    server.markDraining();
    if (cfg.preStopDelayMs > 0) {
      logger.info({ preStopDelayMs: cfg.preStopDelayMs }, 'readiness off; waiting for Envoy to stop sending');
      await new Promise((r) => setTimeout(r, cfg.preStopDelayMs));
    }
    await server.stop({ drainTimeoutMs: cfg.drainTimeoutMs });
    await telemetry.shutdown().catch((err: unknown) => logger.warn({ err }, 'telemetry shutdown failed'));
  });
  try {
    started = (async () => {
      if (needsAccessStore(loaded.config)) await access.store();
      // An unreadable data key fails the start, not the first request that needs it.
      if (loaded.config.auth.providerCredentials) await access.cipher();
      await ledger?.start();
      return server.start();
    })();
    await started;
  } catch (err) {
    // Said once: in the log line, or on stderr when logging is off.
    if (logger.isLevelEnabled('fatal')) logFailure(logger, 'fatal', 'startup failed', err);
    else io.err(`llm-extproc: ${failureLine('startup failed', err).msg}\n`);
    await server.stop({ drainTimeoutMs: 0 }).catch(() => undefined);
    await telemetry.shutdown().catch(() => undefined);
    return 1;
  }
  if (loaded.source !== 'embedded default') {
    const reload = async (): Promise<void> => {
      try {
        // Read only once the file holds still, and never an empty one: a reload must not apply a
        // config caught half-written (a truncating writer would otherwise leave zero rules).
        await server.reload(loadConfigForReload(loaded.source, { settleMs: (server.config ?? loaded.config).reload.settleMs }));
      } catch {
        // reload() logged and counted it; the last good config keeps serving
        return;
      }
      if (fixedLevel === undefined && server.config) setLogLevel(logger, server.config.log.level);
    };
    watcher = watchConfigFile(loaded.source, { logger, initialText: loaded.text, onChange: reload });
    // A changed price table reloads the config (which re-reads it); the path is the one at start.
    const prices = loaded.config.pricing.file;
    if (prices) pricesWatcher = watchConfigFile(resolve(dirname(loaded.source), prices), { logger, onChange: reload });
  }
  return exit;
}

function waitForShutdown(ctx: CliContext, logger: Logger, drain: () => Promise<void>): Promise<ExitCode> {
  return new Promise<ExitCode>((resolveExit) => {
    let signalled = false;
    const onSignal = (signal: string) => {
      if (signalled) {
        logger.warn({ signal }, 'second signal: exiting now');
        resolveExit(1);
        return;
      }
      signalled = true;
      logger.info({ signal }, 'shutting down');
      drain().then(
        () => resolveExit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          resolveExit(1);
        },
      );
    };
    ctx.signals.on('SIGTERM', () => onSignal('SIGTERM'));
    ctx.signals.on('SIGINT', () => onSignal('SIGINT'));
  });
}
