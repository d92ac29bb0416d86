/**
 * In-process scenarios, each in its own child process: model extraction (the scanner against
 * `JSON.parse` on 1 MB bodies, and the tricky corpus with an identical-answers check) and SSE
 * usage parsing throughput.
 */
import { startChild } from './children.js';
import type { BodyShape } from './bodies.js';
import type { CorpusResult, ExtractionTiming } from './extraction-bench.js';
import { row, SCENARIO, type Row } from './rows.js';
import type { SseTiming } from './sse-bench.js';

/** Body shapes of the extraction scenario. */
export const EXTRACTION_SHAPES: readonly BodyShape[] = ['prose', 'image', 'conversation'];

/** Extraction timings and the corpus check. */
export interface ExtractionDetails {
  readonly timings: ExtractionTiming[];
  readonly corpus: CorpusResult;
}

async function inChild<T>(fn: (call: <R>(cmd: string, args?: unknown) => Promise<R>) => Promise<T>): Promise<T> {
  const child = await startChild('micro-process');
  try {
    return await fn((cmd, args) => child.ipc.call(cmd, args));
  } finally {
    await child.stop();
  }
}

/** Model extraction: 1 MB bodies of each shape, then the corpus. */
export async function runExtraction(opts: { quick: boolean }): Promise<{ rows: Row[]; details: ExtractionDetails }> {
  const timing = opts.quick ? { rounds: 3, batchMs: 50 } : { rounds: 9, batchMs: 150 };
  const details = await inChild(async (call) => {
    const timings = await call<ExtractionTiming[]>('extraction', { shapes: EXTRACTION_SHAPES, ...timing });
    const corpus = await call<CorpusResult>('corpus', timing);
    return { timings, corpus };
  });
  const rows = details.timings.map((t) => row(SCENARIO.extraction(t.shape), 'time to read model (scanTopLevel vs JSON.parse)', 'µs', t.scanNs / 1000, t.parseNs / 1000));
  rows.push(row(SCENARIO.corpus, `time for all ${details.corpus.cases} cases (scanTopLevel vs JSON.parse)`, 'µs', details.corpus.scanNs / 1000, details.corpus.parseNs / 1000));
  rows.push(row(SCENARIO.corpus, 'answers differing from JSON.parse', 'cases', details.corpus.mismatches.length, 0));
  return { rows, details };
}

/** SSE usage parsing of a 10,000-event stream (about 2.6 MB), fed two ways. */
export async function runSse(opts: { quick: boolean }): Promise<{ rows: Row[]; details: SseTiming[] }> {
  const timing = opts.quick ? { rounds: 3, batchMs: 50 } : { rounds: 9, batchMs: 150 };
  const details = await inChild((call) => call<SseTiming[]>('sse', { events: 10_000, ...timing }));
  const rows = details.map((t) => {
    const mb = t.bytes / (1024 * 1024);
    return row(SCENARIO.sse(t.feeding), 'parse time per MB (completion parser vs split + JSON.parse)', 'ms', t.parserNs / 1e6 / mb, t.naiveNs / 1e6 / mb);
  });
  return { rows, details };
}
