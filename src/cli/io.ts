/**
 * What CLI commands may touch of the process, injected by main.ts so commands stay testable.
 */

/** Output streams and environment facts a command may use. */
export interface CliIo {
  /** Writes to standard output. */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** Current working directory (relative paths in flags resolve against it). */
  readonly cwd: string;
  /** True when standard error is a terminal (progress bars are drawn only then). */
  readonly errIsTTY?: boolean;
}

/** A command's result: the process exit code. 0 ok, 1 failure, 2 usage error. */
export type ExitCode = 0 | 1 | 2;

/** Thrown for bad command-line usage (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
