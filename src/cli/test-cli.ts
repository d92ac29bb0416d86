/**
 * Test helper for the CLI tests: runs {@link runCli} with a fake CliIo that collects what the
 * command writes, an environment with nothing set, and signal registration counted, not done.
 */
import { runCli, type CliContext } from './run-cli.js';

/** What one CLI run gave: its exit code, what it wrote, how many signal handlers it registered. */
export interface CliRun {
  /** The exit code runCli resolved to. */
  readonly code: number;
  /** Everything written to standard output. */
  readonly out: string;
  /** Everything written to standard error. */
  readonly err: string;
  /** Signal handlers registered (only a command that starts serving registers any). */
  readonly handlers: number;
}

/**
 * Runs the CLI with `argv` in working directory `cwd`, the environment empty but for `env`,
 * collecting standard output and error. `errIsTTY` pretends standard error is a terminal.
 */
export async function runCliIn(cwd: string, argv: readonly string[], env: Partial<CliContext['env']> = {}, errIsTTY = false): Promise<CliRun> {
  let out = '';
  let err = '';
  let handlers = 0;
  const ctx: CliContext = {
    env: { config: undefined, grpcAddress: undefined, adminAddress: undefined, logLevel: undefined, otlp: { metricsExporter: undefined }, ...env },
    io: { out: (t) => void (out += t), err: (t) => void (err += t), cwd, errIsTTY },
    signals: { on: () => void handlers++ },
  };
  const code = await runCli(argv, ctx);
  return { code, out, err, handlers };
}
