/**
 * Logger, meter and metrics factory for one-shot CLI commands (check, route): warnings to
 * stderr, metrics discarded.
 */
import { createNoopMeter, type Meter } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';
import type { BuildGenerationDeps } from '../server/build-generation.js';
import { genAiMetricsPerConfig } from '../metrics/genai-metrics.js';

/** Dependencies for building a generation outside the server. */
export function oneShotDeps(cwd: string, write: (t: string) => void): BuildGenerationDeps & { logger: Logger; meter: Meter } {
  const logger = pino({ level: 'warn', base: undefined }, { write });
  const meter = createNoopMeter();
  return {
    logger,
    meter,
    cwd,
    createDefaultMetrics: genAiMetricsPerConfig(meter, logger),
  };
}
