/**
 * The summary `llm-extproc replay` prints: requests per rule and per status, tokens and cost
 * (read from the dynamic metadata the service handed back, as Envoy's access log would), and
 * latency percentiles of the ext_proc streams.
 */
import { USAGE_METADATA_KEYS } from '../metrics/dynamic-metadata.js';
import type { ReplayResult } from './replay-run.js';

/** Aggregated results of a replay. */
export interface ReplaySummary {
  readonly requests: number;
  /** Streams that failed (gRPC error, timeout, protocol error). */
  readonly failed: number;
  /** Requests per chosen rule; `(none)` when no rule was set (a local reply before routing). */
  readonly rules: Readonly<Record<string, number>>;
  /** Requests per status the client would have got; `error` for failed streams. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly tokens: { readonly input: number; readonly output: number; readonly total: number };
  /** Sum of `cost_usd` over the requests that reported one (a price table is configured). */
  readonly costUsd: number;
  /** Stream latency in ms. */
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  /** Wall-clock duration of the run, ms, and the rate achieved. */
  readonly elapsedMs: number;
  readonly requestsPerSecond: number;
  /** The first few stream failures, with their source. */
  readonly errors: ReadonlyArray<{ readonly source: string; readonly error: string }>;
}

/** Nearest-rank percentile of sorted values (0 for none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** The usage fields of an outcome's metadata, from whichever namespace carries them. */
function usageFields(metadata: Readonly<Record<string, Readonly<Record<string, unknown>>>>): Readonly<Record<string, unknown>> {
  const K = USAGE_METADATA_KEYS;
  return Object.values(metadata).find((f) => K.totalTokens in f || K.routeName in f || K.inputTokens in f) ?? {};
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** Summarises `results` of a run that took `elapsedMs`. */
export function summarize(results: readonly ReplayResult[], elapsedMs: number): ReplaySummary {
  const K = USAGE_METADATA_KEYS;
  const rules: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const tokens = { input: 0, output: 0, total: 0 };
  let costUsd = 0;
  const errors: Array<{ source: string; error: string }> = [];
  for (const r of results) {
    if (!r.outcome) {
      bump(statuses, 'error');
      if (errors.length < 5) errors.push({ source: r.source, error: r.error ?? 'failed' });
      continue;
    }
    const fields = usageFields(r.outcome.metadata);
    const rule = r.outcome.routeHeaderValue ?? (typeof fields[K.routeName] === 'string' ? (fields[K.routeName] as string) : undefined);
    bump(rules, rule ?? '(none)');
    bump(statuses, String(r.outcome.status));
    tokens.input += num(fields[K.inputTokens]);
    tokens.output += num(fields[K.outputTokens]);
    tokens.total += num(fields[K.totalTokens]);
    costUsd += num(fields[K.costUsd]);
  }
  const latencies = results.map((r) => r.latencyMs).sort((a, b) => a - b);
  return {
    requests: results.length,
    failed: results.filter((r) => !r.outcome).length,
    rules,
    statuses,
    tokens,
    costUsd,
    latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0 },
    elapsedMs,
    requestsPerSecond: elapsedMs > 0 ? (results.length * 1000) / elapsedMs : 0,
    errors,
  };
}

function table(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
}

function counts(map: Readonly<Record<string, number>>, total: number): Array<[string, string]> {
  return Object.entries(map)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => [k, `${String(n).padStart(6)}  ${total > 0 ? ((100 * n) / total).toFixed(1).padStart(5) : '0.0'}%`]);
}

const ms = (v: number): string => `${v.toFixed(1)} ms`;

/** The summary as the text table the command prints. */
export function formatSummary(s: ReplaySummary): string {
  const lines = [
    `${s.requests} requests in ${(s.elapsedMs / 1000).toFixed(2)} s (${s.requestsPerSecond.toFixed(1)}/s), ${s.failed} failed streams`,
    '',
    'rule',
    ...table(counts(s.rules, s.requests - s.failed)),
    '',
    'status',
    ...table(counts(s.statuses, s.requests)),
    '',
    'usage',
    ...table([
      ['input tokens', String(s.tokens.input)],
      ['output tokens', String(s.tokens.output)],
      ['total tokens', String(s.tokens.total)],
      ['cost (USD)', s.costUsd.toFixed(6)],
    ]),
    '',
    'latency (ext_proc stream)',
    ...table([
      ['p50', ms(s.latencyMs.p50)],
      ['p90', ms(s.latencyMs.p90)],
      ['p99', ms(s.latencyMs.p99)],
      ['max', ms(s.latencyMs.max)],
    ]),
  ];
  if (s.errors.length > 0) lines.push('', 'failures', ...s.errors.map((e) => `  ${e.source}: ${e.error}`));
  return `${lines.join('\n')}\n`;
}
