/**
 * Log lines for a person at a terminal: the one-shot commands (`check`, `route`) log through
 * pino like the service, and this turns each JSON line into `warning: router failed: tenant
 * service down (failureMode: closed)` — level, message, the error's message, the other fields.
 */

/** A pino log entry as written (JSON, numeric level). */
export interface LogEntry {
  readonly level?: number;
  readonly msg?: string;
  readonly err?: { readonly message?: string };
  readonly [field: string]: unknown;
}

const LEVEL_WORDS: ReadonlyArray<[number, string]> = [
  [60, 'fatal'],
  [50, 'error'],
  [40, 'warning'],
  [30, 'info'],
  [20, 'debug'],
  [0, 'trace'],
];

/** Fields that say nothing to a reader of one command's output. */
const LEFT_OUT: ReadonlySet<string> = new Set(['level', 'time', 'msg', 'err', 'pid', 'hostname', 'name', 'v']);

/** One readable line (no newline) for a log entry. */
export function readableLogLine(entry: LogEntry): string {
  const word = LEVEL_WORDS.find(([n]) => (entry.level ?? 30) >= n)?.[1] ?? 'info';
  const because = entry.err?.message ? `: ${entry.err.message}` : '';
  const rest = Object.entries(entry)
    .filter(([k, v]) => !LEFT_OUT.has(k) && v !== undefined)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${word}: ${entry.msg ?? ''}${because}${rest.length ? ` (${rest.join(', ')})` : ''}`;
}

/**
 * A pino destination writing readable lines to `write`. `take` sees each entry first; when it
 * returns true the entry is the caller's to report and is not written.
 */
export function readableLogDestination(write: (text: string) => void, take: (entry: LogEntry) => boolean = () => false): { write(line: string): void } {
  return {
    write(line) {
      let entry: LogEntry;
      try {
        entry = JSON.parse(line) as LogEntry;
      } catch {
        write(line.endsWith('\n') ? line : `${line}\n`);
        return;
      }
      if (!take(entry)) write(`${readableLogLine(entry)}\n`);
    },
  };
}
