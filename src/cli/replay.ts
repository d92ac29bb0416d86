/**
 * `llm-extproc replay FILE ...`: plays recorded exchanges (JSONL of request + response pairs, or
 * recorded cassettes) through a running service over real ext_proc streams, both sides, as Envoy
 * would — so metrics, the ledger and the dashboard fill without Envoy — and prints a summary of
 * rules, statuses, tokens, cost and latency. With `--count`, `--rate` and `--concurrency` it is a
 * load driver. Exit 0 when every stream completed, 1 when any failed.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createExtProcClient } from '../envoy/ext-proc-client.js';
import { ExchangeFileError, parseExchangeFile, type RecordedExchange } from '../replay/exchange-file.js';
import { ProgressBar } from '../replay/progress-bar.js';
import { runReplay } from '../replay/replay-run.js';
import { formatSummary, summarize } from '../replay/replay-summary.js';
import { UsageError, type CliIo, type ExitCode } from './io.js';

/** Default ext_proc address (the service's default gRPC port, on this host). */
export const DEFAULT_REPLAY_TARGET = '127.0.0.1:50051';

function positiveNumber(values: Record<string, unknown>, name: string, integer: boolean): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** Reads every file; a bad file is a usage problem naming file and line. */
async function readExchanges(files: readonly string[], cwd: string): Promise<RecordedExchange[]> {
  const all: RecordedExchange[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(resolve(cwd, file), 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
    try {
      all.push(...parseExchangeFile(text, file));
    } catch (err) {
      if (err instanceof ExchangeFileError) throw new UsageError(err.message);
      throw err;
    }
  }
  if (all.length === 0) throw new UsageError(`no exchanges in ${files.join(', ')}`);
  return all;
}

/** Runs the command. */
export async function runReplayCommand(values: Record<string, unknown>, io: CliIo, positionals: readonly string[]): Promise<ExitCode> {
  if (positionals.length === 0) throw new UsageError('give at least one exchange file (.jsonl, or a recorded .yaml cassette)');
  const count = positiveNumber(values, 'count', true);
  const concurrency = positiveNumber(values, 'concurrency', true) ?? 1;
  const rate = positiveNumber(values, 'rate', false);
  const timeoutMs = positiveNumber(values, 'timeout-ms', true) ?? 30_000;
  const target = typeof values['target'] === 'string' ? values['target'] : DEFAULT_REPLAY_TARGET;
  const routeHeader = (typeof values['route-header'] === 'string' ? values['route-header'] : 'x-ai-eg-selected-route').toLowerCase();
  const exchanges = await readExchanges(positionals, io.cwd);

  const client = createExtProcClient(target);
  const bar = io.errIsTTY && values['json'] !== true ? new ProgressBar((t) => io.err(t)) : undefined;
  let failed = 0;
  const started = performance.now();
  try {
    const results = await runReplay({
      exchanges,
      client,
      ...(count !== undefined ? { count } : {}),
      concurrency,
      ...(rate !== undefined ? { rate } : {}),
      routeHeader,
      messageTimeoutMs: timeoutMs,
      onResult: (r, done, total) => {
        if (!r.outcome) failed++;
        bar?.update(done, total, failed);
      },
    });
    bar?.finish();
    const summary = summarize(results, performance.now() - started);
    io.out(values['json'] === true ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
    return summary.failed === 0 ? 0 : 1;
  } finally {
    client.close();
  }
}
