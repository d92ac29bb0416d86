/**
 * The product targets, each checked against the rows of a run: met or not, with the measured
 * figure that decides it.
 */
import { MB } from './bodies.js';
import type { ExtractionDetails } from './scenario-micro.js';
import { findRow, SCENARIO, type Row } from './rows.js';

/** One target's verdict. */
export interface TargetResult {
  readonly target: string;
  readonly measured: string;
  /** undefined when the run did not measure it. */
  readonly met: boolean | undefined;
}

const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : String(n));

/** Evaluates every target on `rows` (the corpus check also needs the extraction details). */
export function evaluateTargets(rows: readonly Row[], extraction: ExtractionDetails | undefined): TargetResult[] {
  const out: TargetResult[] = [];

  const cpu = findRow(rows, SCENARIO.chat('1 KB'), 'server CPU per request');
  out.push({
    target: 'CPU per request (1 KB body, full request + response) ≤ 1.5× the no-op ext_proc',
    measured: cpu ? `${fmt(cpu.ratio)}× (${fmt(cpu.value, 0)} µs vs ${fmt(cpu.baseline, 0)} µs)` : 'not measured',
    met: cpu ? cpu.ratio <= 1.5 : undefined,
  });

  const p99 = rows.filter((r) => r.scenario === SCENARIO.openLoop && r.metric.startsWith('p99 round trip'));
  const worst = p99.reduce<Row | undefined>((w, r) => (!w || r.value - r.baseline > w.value - w.baseline ? r : w), undefined);
  out.push({
    target: 'p99 added latency per phase ≤ 1 ms at 500 requests/s',
    measured: worst
      ? `worst phase ${worst.metric.replace('p99 round trip, ', '')}: +${fmt(worst.value - worst.baseline)} ms (${fmt(worst.value)} vs ${fmt(worst.baseline)} ms); ` +
        p99.map((r) => `${r.metric.replace('p99 round trip, ', '')} +${fmt(r.value - r.baseline)}`).join(', ')
      : 'not measured',
    met: worst ? worst.value - worst.baseline <= 1 : undefined,
  });

  const scans = rows.filter((r) => r.scenario.startsWith('model extraction, 1 MB'));
  const mismatchRow = rows.find((r) => r.scenario === SCENARIO.corpus && r.metric === 'answers differing from JSON.parse');
  const corpusOk = mismatchRow !== undefined && mismatchRow.value === 0;
  const speedups = scans.map((r) => ({ shape: r.scenario.replace('model extraction, 1 MB ', '').replace(' body', ''), x: r.baseline / r.value }));
  const corpusText = extraction
    ? corpusOk
      ? `all ${extraction.corpus.cases} corpus cases identical`
      : `corpus mismatches: ${extraction.corpus.mismatches.join(', ')}`
    : corpusOk
      ? 'corpus identical'
      : 'corpus not checked';
  out.push({
    target: 'model extraction from a 1 MB body ≥ 10× faster than JSON.parse, identical answers on the tricky corpus',
    measured: scans.length ? `${speedups.map((s) => `${s.shape} ${fmt(s.x, 1)}×`).join(', ')}; ${corpusText}` : 'not measured',
    met: scans.length ? corpusOk && speedups.every((s) => s.x >= 10) : undefined,
  });

  const peak = findRow(rows, SCENARIO.peakHeap, 'peak heap + array buffer growth');
  out.push({
    target: '10 MB body routed with peak heap growth ≤ 2× the body size',
    measured: peak ? `${fmt(peak.value, 1)} MB = ${fmt(peak.value / 10, 2)}× the body (no-op: ${fmt(peak.baseline, 1)} MB)` : 'not measured',
    met: peak ? peak.value * MB <= 2 * 10 * MB : undefined,
  });

  const idle = findRow(rows, SCENARIO.idle, 'heap per open stream (after GC)');
  out.push({
    target: '1,000 idle open streams ≤ 50 KB of heap each',
    measured: idle ? `${fmt(idle.value, 1)} KB per stream (no-op: ${fmt(idle.baseline, 1)} KB)` : 'not measured',
    met: idle ? idle.value <= 50 : undefined,
  });

  const sse = rows.filter((r) => r.scenario.startsWith('SSE usage parsing'));
  const rates = sse.map((r) => ({ feeding: r.scenario.replace('SSE usage parsing ', ''), mbps: 1000 / r.value }));
  out.push({
    target: 'SSE usage parsing ≥ 200 MB/s',
    measured: rates.length ? rates.map((r) => `${fmt(r.mbps, 0)} MB/s ${r.feeding}`).join(', ') : 'not measured',
    met: rates.length ? rates.every((r) => r.mbps >= 200) : undefined,
  });
  return out;
}
