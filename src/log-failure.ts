/**
 * Logs a failure with its message said once: in the log line's `msg`, never again in an `err`
 * object (whose `message` and the first line of whose `stack` would repeat it). The stack frames
 * are kept, without that first line, for errors that are not one of ours.
 */
import type { Logger } from 'pino';

/** Errors whose message is the whole story (config problems, bind failures): no stack logged. */
const PLAIN_ERRORS: ReadonlySet<string> = new Set(['ConfigError', 'ListenError', 'ModuleLoadError', 'StoreError', 'RequestCostConfigError', 'UsageError', 'PriceTableError', 'CredentialUnavailableError']);

/** The log fields and message for `err` after `what` ("startup failed"). */
export function failureLine(what: string, err: unknown): { fields: Record<string, unknown>; msg: string } {
  if (!(err instanceof Error)) return { fields: {}, msg: `${what}: ${String(err)}` };
  const fields: Record<string, unknown> = { errorType: err.name };
  if (!PLAIN_ERRORS.has(err.name) && err.stack) {
    const frames = err.stack.split('\n').filter((l) => /^\s+at /.test(l));
    if (frames.length > 0) fields['stack'] = frames.map((l) => l.trim()).join('\n');
  }
  return { fields, msg: `${what}: ${err.message}` };
}

/** Logs `err` at `level` as "`what`: message", with `extra` fields. */
export function logFailure(logger: Logger, level: 'fatal' | 'error' | 'warn', what: string, err: unknown, extra: Record<string, unknown> = {}): void {
  const { fields, msg } = failureLine(what, err);
  logger[level]({ ...extra, ...fields }, msg);
}
