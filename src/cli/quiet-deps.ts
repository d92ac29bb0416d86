/**
 * Logger, meter and metrics factory for one-shot CLI commands (check, route): warnings to
 * stderr as readable lines, metrics discarded.
 */
import { createNoopMeter, type Meter } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';
import type { BuildGenerationDeps } from '../server/build-generation.js';
import { genAiMetricsPerConfig } from '../metrics/genai-metrics.js';
import { readableLogDestination, type LogEntry } from './readable-log.js';

/**
 * Dependencies for building a generation outside the server. Log entries `take` returns true for
 * are left to the caller (see {@link readableLogDestination}).
 */
export function oneShotDeps(cwd: string, write: (t: string) => void, take?: (entry: LogEntry) => boolean): BuildGenerationDeps & { logger: Logger; meter: Meter } {
  const logger = pino({ level: 'warn', base: undefined }, readableLogDestination(write, take));
  const meter = createNoopMeter();
  return {
    logger,
    meter,
    cwd,
    createDefaultMetrics: genAiMetricsPerConfig(meter, logger),
  };
}
