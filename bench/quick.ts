/**
 * `npm run bench:quick` (under a minute): re-measures the small scenarios — chat 1 KB and 100 KB,
 * model extraction, SSE parsing — with fewer requests, and prints each ratio next to the one in
 * the committed `bench/baseline.json`, flagging ratios more than 25% worse. It reports; it never
 * fails the build (exit code 0 whatever it finds).
 */
import { existsSync, readFileSync } from 'node:fs';
import { startChild } from './children.js';
import { QUICK_SCENARIOS, REGRESSION_THRESHOLD } from './quick-set.js';
import { findRow, type Row } from './rows.js';
import { repoPath } from './run-paths.js';
import { CHAT_SIZES, runChatSizes } from './scenario-chat.js';
import { runExtraction, runSse } from './scenario-micro.js';

/** One line of the comparison. */
export interface Comparison {
  readonly row: Row;
  readonly baselineRatio: number | undefined;
  /** now / baseline ratio; > 1 is worse. */
  readonly change: number | undefined;
  readonly flagged: boolean;
}

/** Compares fresh rows with baseline rows by scenario and metric. */
export function compare(rows: readonly Row[], baseline: readonly Row[], threshold = REGRESSION_THRESHOLD): Comparison[] {
  return rows.map((row) => {
    const before = findRow(baseline, row.scenario, row.metric);
    const change = before && before.ratio > 0 ? row.ratio / before.ratio : undefined;
    return { row, baselineRatio: before?.ratio, change, flagged: change !== undefined && change > threshold };
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const rows: Row[] = [];
  rows.push(...(await runExtraction({ quick: true })).rows);
  rows.push(...(await runSse({ quick: true })).rows);
  const client = await startChild('client-process');
  try {
    const sizes = CHAT_SIZES.filter((s) => s.label === '1 KB' || s.label === '100 KB');
    rows.push(...(await runChatSizes(client, { scale: 0.3 }, sizes)).rows.filter((r) => r.metric === 'server CPU per request' || r.metric.startsWith('p50')));
  } finally {
    await client.stop();
  }
  const path = repoPath('bench/baseline.json');
  const baseline: Row[] = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { rows: Row[] }).rows : [];
  const results = compare(
    rows.filter((r) => QUICK_SCENARIOS.includes(r.scenario)),
    baseline,
  );
  const lines = results.map((c) => {
    const was = c.baselineRatio === undefined ? '     —' : c.baselineRatio.toFixed(3).padStart(6);
    const flag = c.flagged ? `  << ${(((c.change ?? 1) - 1) * 100).toFixed(0)}% worse` : '';
    return `${c.row.ratio.toFixed(3).padStart(6)}  ${was}  ${c.row.scenario} — ${c.row.metric}${flag}`;
  });
  process.stdout.write(`ratio  baseline  scenario — metric (ratio = llm-extproc / baseline in the same run; lower is better)\n${lines.join('\n')}\n`);
  const flagged = results.filter((c) => c.flagged).length;
  process.stdout.write(
    `\n${flagged === 0 ? 'no ratio is more than 25% worse than bench/baseline.json' : `${flagged} ratio(s) more than 25% worse than bench/baseline.json`}` +
      `${baseline.length === 0 ? ' (no baseline found: run `npm run bench` to write one)' : ''}; ${Math.round((performance.now() - started) / 1000)} s\n`,
  );
}

main().catch((err: unknown) => {
  // A report, not a gate: say what went wrong and still exit 0.
  process.stderr.write(`bench:quick could not finish: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
});
