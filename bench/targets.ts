/**
 * The product targets, each checked against the rows of a run: met or not, with the measured
 * figure that decides it.
 */
import { MB } from './bodies.js';
import type { ExtractionDetails } from './scenario-micro.js';
import { findRow, SCENARIO, type Row } from './rows.js';
import { RAW_CPU_METRIC } from './scenario-chat.js';

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
  const raw = findRow(rows, SCENARIO.chat('1 KB'), RAW_CPU_METRIC);
  out.push({
    target: 'CPU per request (1 KB body, four phases) ≤ 1.2× the proto-loader no-op ext_proc (1.0× the aim)',
    measured: cpu ? `${fmt(cpu.ratio)}× (${fmt(cpu.value, 0)} µs vs ${fmt(cpu.baseline, 0)} µs)` : 'not measured',
    met: cpu ? cpu.ratio <= 1.2 : undefined,
  });
  out.push({
    target: 'CPU per request (1 KB body, four phases) against the raw-bytes no-op (the transport alone): reported, ≤ 2.0× the aim',
    measured: raw
      ? `${fmt(raw.ratio)}× (${fmt(raw.value, 0)} µs vs ${fmt(raw.baseline, 0)} µs)` +
        (cpu ? `; the proto-loader no-op itself costs ${fmt(cpu.baseline / raw.baseline)}× the raw-bytes no-op` : '')
      : 'not measured',
    met: raw ? raw.ratio <= 2.0 : undefined,
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
    target: 'model extraction from every 1 MB body shape ≥ 5× faster than JSON.parse, identical answers on the tricky corpus',
    measured: scans.length ? `${speedups.map((s) => `${s.shape} ${fmt(s.x, 1)}×`).join(', ')}; ${corpusText}` : 'not measured',
    met: scans.length ? corpusOk && speedups.every((s) => s.x >= 5) : undefined,
  });

  const peak = findRow(rows, SCENARIO.peakHeap, 'peak heap + array buffer growth (baseline: raw-bytes no-op, the transport alone)');
  const own = findRow(rows, SCENARIO.peakHeap, "service's own: the received body + growth beyond the transport (baseline: the body)");
  out.push({
    target: '10 MB body routed with peak heap growth ≤ 1.2× the body size',
    measured:
      peak && own
        ? `service's own ${fmt(own.value, 1)} MB = ${fmt(own.value / own.baseline, 2)}× the body (whole process ${fmt(peak.value, 1)} MB; the transport alone, a raw-bytes no-op, ${fmt(peak.baseline, 1)} MB = ${fmt(peak.baseline / own.baseline, 2)}× the body)`
        : 'not measured',
    met: own ? own.value <= 1.2 * own.baseline : undefined,
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
