/**
 * The result rows every scenario produces and `bench/results.json` holds: one measured figure of
 * llm-extproc (`value`) next to the same figure of its baseline measured in the same run
 * (`baseline`), and `ratio = value / baseline`. Every metric is a cost, so lower is better;
 * rates (throughput, bytes per second) are reported as time per unit for that reason.
 */
import { significant } from './stats.js';

/** One row of `bench/results.json`. */
export interface Row {
  readonly scenario: string;
  readonly metric: string;
  readonly unit: string;
  readonly value: number;
  readonly baseline: number;
  readonly ratio: number;
}

/** Builds a row, rounding to 4 significant digits and computing the ratio. */
export function row(scenario: string, metric: string, unit: string, value: number, baseline: number): Row {
  return {
    scenario,
    metric,
    unit,
    value: significant(value),
    baseline: significant(baseline),
    ratio: baseline === 0 ? (value === 0 ? 1 : Number.POSITIVE_INFINITY) : significant(value / baseline, 3),
  };
}

/** The row of `scenario` and `metric`, if present. */
export function findRow(rows: readonly Row[], scenario: string, metric: string): Row | undefined {
  return rows.find((r) => r.scenario === scenario && r.metric === metric);
}

/** Scenario names (used by the report, the targets and `bench:quick`). */
export const SCENARIO = {
  chat: (label: string): string => `chat ${label} request + 1 KB JSON response`,
  streaming: 'streaming response, 1,000 SSE chunks',
  idle: '1,000 idle open streams',
  openLoop: 'open loop 500 requests/s for 30 s (1 KB chat)',
  saturation: 'saturation, closed loop (1 KB chat)',
  peakHeap: 'routing a 10 MB body',
  extraction: (shape: string): string => `model extraction, 1 MB ${shape} body`,
  corpus: 'model extraction, tricky corpus',
  sse: (feeding: string): string => `SSE usage parsing (${feeding})`,
} as const;
