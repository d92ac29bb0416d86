/**
 * The root pino logger: JSON lines, credentials and bodies redacted wherever they appear.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths pino redacts in every log line. */
export const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  '*.authorization',
  '*.headers.authorization',
  '["x-api-key"]',
  'headers["x-api-key"]',
  '*["x-api-key"]',
  '*.headers["x-api-key"]',
  '["api-key"]',
  'headers["api-key"]',
  '*["api-key"]',
  '*.headers["api-key"]',
  '["x-goog-api-key"]',
  '*["x-goog-api-key"]',
  'body',
  '*.body',
];

/** Creates the root logger writing to `destination` (stdout when omitted). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'llm-extproc',
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/**
 * Sets the root logger's level. Child loggers (per component, per stream) set no level of their
 * own, so they follow it, those created earlier included. The change is logged at `info` while
 * either level shows `info`.
 */
export function setLogLevel(logger: Logger, level: string): void {
  const from = logger.level;
  if (from === level) return;
  const announce = () => logger.info({ from, to: level }, 'log level changed');
  if (logger.isLevelEnabled('info')) {
    announce();
    logger.level = level;
  } else {
    logger.level = level;
    announce();
  }
}
