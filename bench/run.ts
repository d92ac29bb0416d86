/**
 * `npm run bench`: runs every scenario, each in its own child processes (server under test,
 * load client, or in-process benchmark), llm-extproc and its baselines in the same run, then
 * writes bench/results.json, BENCHMARKS.md, bench/cost-vs-body-size.svg and bench/baseline.json
 * and prints the table.
 *
 * Flags: `--only=chat,streaming,idle,peak,saturation,open-loop,extraction,sse,soak` runs a subset
 * (outputs then go to bench/out/ and the committed files are left alone); `--profile` adds
 * `--cpu-prof` to every llm-extproc server child (profiles in bench/out/profiles/, summarise
 * them with bench/profile-summary.ts); `--render-only` renders the outputs again from the last
 * full run's record in bench/out/last-run.json (after editing bench/notes.md).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { startChild } from './children.js';
import { machineInfo, type MachineInfo } from './machine.js';
import type { RunOptions } from './measure.js';
import { renderMarkdown, renderTable } from './report.js';
import { extractSection, spliceSection } from './ledger-report.js';
import { repoPath } from './run-paths.js';
import { QUICK_SCENARIOS } from './quick-set.js';
import { SCENARIO, type Row } from './rows.js';
import { runChatSizes, runStreaming, type CpuPoint } from './scenario-chat.js';
import { runOpenLoop, runSaturation } from './scenario-load.js';
import { runIdleStreams, runPeakHeap } from './scenario-memory.js';
import { runExtraction, runSse, type ExtractionDetails } from './scenario-micro.js';
import { runSoak, SOAK_REQUESTS, type SoakResult } from './scenario-soak.js';
import { extractSoakSection, soakSection, soakSummary, spliceSoakSection } from './soak-report.js';
import { costVsBodySizeSvg } from './svg-chart.js';
import { evaluateTargets } from './targets.js';

/** Scenario groups `--only` accepts, in run order. */
export const GROUPS = ['extraction', 'sse', 'chat', 'streaming', 'idle', 'peak', 'saturation', 'open-loop', 'soak'] as const;

const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--render-only')) {
    // Re-render the committed outputs from the last full run (e.g. after editing bench/notes.md).
    writeOutputs(JSON.parse(readFileSync(repoPath('bench/out/last-run.json'), 'utf8')) as RunRecord, true);
    return;
  }
  const loadStart = loadavg();
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  const unknown = only?.filter((g) => !(GROUPS as readonly string[]).includes(g)) ?? [];
  if (unknown.length) throw new Error(`unknown scenario group(s) ${unknown.join(', ')}; known: ${GROUPS.join(', ')}`);
  const selected = new Set<string>(only ?? GROUPS);
  const outDir = repoPath('bench/out/');
  mkdirSync(outDir, { recursive: true });
  const opts: RunOptions = { scale: 1, ...(args.includes('--profile') ? { profileDir: `${outDir}profiles` } : {}) };
  const started = performance.now();
  const rows: Row[] = [];
  const details: Array<{ scenario: string; lines: string[] }> = [];
  let points: CpuPoint[] = [];
  let extraction: ExtractionDetails | undefined;
  const step = (name: string): void => void process.stderr.write(`[bench] ${name} (${Math.round((performance.now() - started) / 1000)} s)\n`);

  if (selected.has('extraction')) {
    step('model extraction');
    const r = await runExtraction({ quick: false });
    rows.push(...r.rows);
    extraction = r.details;
    for (const t of r.details.timings) {
      details.push({
        scenario: SCENARIO.extraction(t.shape),
        lines: [`scanTopLevel ${(t.bytes / (t.scanNs / 1e9) / 1024 ** 2).toFixed(0)} MB/s, JSON.parse ${(t.bytes / (t.parseNs / 1e9) / 1024 ** 2).toFixed(0)} MB/s: ${(t.parseNs / t.scanNs).toFixed(1)}× faster`],
      });
    }
    details.push({
      scenario: SCENARIO.corpus,
      lines: [
        r.details.corpus.mismatches.length === 0
          ? `all ${r.details.corpus.cases} cases give JSON.parse's answer (validity, and the values of \`model\` and \`stream\`)`
          : `MISMATCHES: ${r.details.corpus.mismatches.join(', ')}`,
      ],
    });
  }
  if (selected.has('sse')) {
    step('SSE parsing');
    const r = await runSse({ quick: false });
    rows.push(...r.rows);
    for (const t of r.details) {
      details.push({
        scenario: SCENARIO.sse(t.feeding),
        lines: [`${mb(t.bytes)} stream of 10,000 events: completion parser ${(t.bytes / (t.parserNs / 1e9) / 1024 ** 2).toFixed(0)} MB/s, split + JSON.parse ${(t.bytes / (t.naiveNs / 1e9) / 1024 ** 2).toFixed(0)} MB/s`],
      });
    }
  }

  const needsClient = ['chat', 'streaming', 'idle', 'peak', 'saturation', 'open-loop'].some((g) => selected.has(g));
  if (needsClient) {
    // One client process per scenario: a fresh heap and JIT state for each.
    const withClient = async <T>(fn: (client: Awaited<ReturnType<typeof startChild>>) => Promise<T>): Promise<T> => {
      const client = await startChild('client-process');
      try {
        return await fn(client);
      } finally {
        await client.stop();
      }
    };
    if (selected.has('chat')) {
      step('chat requests, 1 KB to 10 MB');
      const r = await withClient((c) => runChatSizes(c, opts));
      rows.push(...r.rows);
      points = r.points;
    }
    if (selected.has('streaming')) {
      step('streamed response, 1,000 SSE chunks');
      rows.push(...(await withClient((c) => runStreaming(c, opts))));
    }
    if (selected.has('idle')) {
      step('1,000 idle streams');
      const r = await withClient((c) => runIdleStreams(c, opts));
      rows.push(...r.rows);
      details.push({
        scenario: SCENARIO.idle,
        lines: [
          `array buffers per stream: llm-extproc ${(r.details.extproc.arrayBuffersPerStream / 1024).toFixed(2)} KB, no-op ${(r.details.noop.arrayBuffersPerStream / 1024).toFixed(2)} KB`,
          'each stream has had its request-headers reply; heap measured after two forced GCs before opening and while all 1,000 are open',
        ],
      });
    }
    if (selected.has('peak')) {
      step('peak memory routing 10 MB');
      const r = await withClient((c) => runPeakHeap(c, opts));
      rows.push(...r.rows);
      const d = r.details;
      details.push({
        scenario: SCENARIO.peakHeap,
        lines: [
          `llm-extproc: V8 heap ${mb(d.extproc.peakHeapUsedGrowth)} + array buffers ${mb(d.extproc.peakArrayBuffersGrowth)} at their peaks (${d.extproc.samples} samples in the worst of 5 requests)`,
          `proto-loader no-op: V8 heap ${mb(d.noop.peakHeapUsedGrowth)} + array buffers ${mb(d.noop.peakArrayBuffersGrowth)}`,
          `raw-bytes no-op (the transport alone): V8 heap ${mb(d.raw.peakHeapUsedGrowth)} + array buffers ${mb(d.raw.peakArrayBuffersGrowth)}`,
          'sampled every millisecond from a GC baseline; counts every allocation of the process (grpc-js receive buffers included)',
          "the transport alone holds the body twice at the end of the message (grpc-js keeps the DATA chunks, then concatenates them); the service's own figure is the body + llm-extproc's growth beyond the raw-bytes no-op",
        ],
      });
    }
    if (selected.has('saturation')) {
      step('saturation');
      const r = await withClient((c) => runSaturation(c, opts));
      rows.push(...r.rows);
      details.push({
        scenario: SCENARIO.saturation,
        lines: (['extproc', 'noop'] as const).map(
          (k) =>
            `${k === 'extproc' ? 'llm-extproc' : 'no-op'}: ${r.details[k].requestsPerSecond.toFixed(0)} requests/s at ${r.details[k].concurrency} concurrent, server CPU ${(r.details[k].serverCpuShare * 100).toFixed(0)}% of a core, client CPU ${(r.details[k].clientCpuShare * 100).toFixed(0)}%`,
        ),
      });
    }
    if (selected.has('open-loop')) {
      step('open loop, 500 requests/s for 30 s');
      const r = await withClient((c) => runOpenLoop(c, opts));
      rows.push(...r.rows);
      details.push({
        scenario: SCENARIO.openLoop,
        lines: [
          'request headers and the whole-request latency are timed from each request\'s scheduled start (no coordinated omission); other phases from their send',
          `client lateness against the schedule, p99: ${r.details.latenessP99.noop.toFixed(2)} ms (no-op run), ${r.details.latenessP99.extproc.toFixed(2)} ms (llm-extproc run)`,
        ],
      });
    }
  }

  let soak: SoakResult | undefined;
  if (selected.has('soak')) {
    step(`soak, ${SOAK_REQUESTS.toLocaleString('en-US')} mixed requests`);
    soak = await runSoak({ ...opts, requests: Math.round(SOAK_REQUESTS * opts.scale) });
    details.push({ scenario: 'soak', lines: soakSummary(soak).split('\n').map((l) => l.trim()) });
  }

  const record: RunRecord = { machine: machineInfo(), loadAverage: [loadStart, loadavg()], rows, details, points, extraction, durationS: (performance.now() - started) / 1000, ...(soak ? { soak } : {}) };
  const full = only === undefined;
  writeFileSync(`${outDir}last-run${full ? '' : '-partial'}.json`, `${JSON.stringify(record, null, 2)}\n`);
  writeOutputs(record, full);
}

/** Everything a run measured, kept in bench/out/ so the report can be rendered again (`--render-only`). */
interface RunRecord {
  readonly machine: MachineInfo;
  /** os.loadavg() at the start and at the end of the run. */
  readonly loadAverage: [number[], number[]];
  readonly rows: Row[];
  readonly details: Array<{ scenario: string; lines: string[] }>;
  readonly points: CpuPoint[];
  readonly extraction: ExtractionDetails | undefined;
  readonly durationS: number;
  /** The soak, when the run had it (its figures go to their own BENCHMARKS.md section). */
  readonly soak?: SoakResult;
}

function writeOutputs(run: RunRecord, full: boolean): void {
  const outDir = repoPath('bench/out/');
  const targets = evaluateTargets(run.rows, run.extraction);
  process.stdout.write(renderTable(run.rows));
  process.stdout.write(`\nTargets:\n${targets.map((t) => `  [${t.met === undefined ? ' ' : t.met ? 'met' : 'NOT MET'}] ${t.target}: ${t.measured}`).join('\n')}\n`);
  const resultsPath = full ? repoPath('bench/results.json') : `${outDir}results-partial.json`;
  writeFileSync(resultsPath, `${JSON.stringify(run.rows, null, 2)}\n`);
  if (run.points.length > 0) writeFileSync(full ? repoPath('bench/cost-vs-body-size.svg') : `${outDir}cost-vs-body-size.svg`, costVsBodySizeSvg(run.points));
  const markdown = renderMarkdown({
    machine: run.machine,
    loadAverage: run.loadAverage,
    rows: run.rows,
    targets,
    details: run.details,
    notes: readFileSync(repoPath('bench/notes.md'), 'utf8'),
    chartPath: 'bench/cost-vs-body-size.svg',
    durationS: run.durationS,
  });
  // The ledger section is written by bench:ledger; keep it when this run rewrites the file.
  const current = readFileSync(repoPath('BENCHMARKS.md'), 'utf8');
  const ledgerSection = extractSection(current);
  // Likewise the soak section (bench:soak), unless this run measured its own.
  const soak = run.soak ? soakSection(run.soak, run.machine) : extractSoakSection(current);
  let doc = ledgerSection ? spliceSection(markdown, ledgerSection) : markdown;
  if (soak) doc = spliceSoakSection(doc, soak);
  writeFileSync(full ? repoPath('BENCHMARKS.md') : `${outDir}BENCHMARKS.partial.md`, doc);
  if (full) {
    const baseline = run.rows.filter((r) => QUICK_SCENARIOS.includes(r.scenario));
    writeFileSync(repoPath('bench/baseline.json'), `${JSON.stringify({ date: run.machine.date, rows: baseline }, null, 2)}\n`);
  }
  process.stderr.write(`[bench] wrote ${full ? 'bench/results.json, BENCHMARKS.md, bench/cost-vs-body-size.svg, bench/baseline.json' : 'bench/out/'}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
