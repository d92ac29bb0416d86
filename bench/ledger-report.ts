/**
 * Renders the ledger benchmark: the plain-text table (and every query plan) for stdout, and the
 * "Ledger queries at 10 million rows" section of BENCHMARKS.md, which it replaces between its
 * markers (or appends) so the rest of the file stays as `npm run bench` wrote it.
 */
import type { MachineInfo } from './machine.js';
import type { PlanCheck } from './ledger-explain.js';
import type { QueryResult } from './ledger-query-process.js';
import type { GenerationTimes, RelationSize, StoreKind } from './ledger-store-types.js';

/** Target for every query (ms). */
export const TARGET_MS = 1000;

/** One store's run. */
export interface StoreRun {
  readonly kind: StoreKind;
  readonly rows: number;
  readonly reused: boolean;
  readonly generation?: GenerationTimes;
  /** Migrations applied after generation (`version name`), and their time (ms). */
  readonly migrations: string[];
  readonly migrateMs: number;
  /** Rows of `ledger` and of the tables built from it, after migrating. */
  readonly tableRows: Record<string, number>;
  /** PostgreSQL: ANALYZE after migrating (ms). */
  readonly analyzeMs?: number;
  readonly sizes: { totalBytes: number; relations: RelationSize[] };
  readonly settings?: Record<string, string>;
  readonly queries: QueryResult[];
}

/** The whole run, as written to ledger-results.json. */
export interface LedgerRun {
  readonly machine: MachineInfo;
  readonly options: { rows: number; runs: number; stores: StoreKind[] };
  readonly wallSeconds: number;
  readonly stores: StoreRun[];
}

const ms = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '-' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const s = (v: number | undefined): string => (v === undefined ? '-' : `${(v / 1000).toFixed(1)} s`);
const mb = (b: number): string => `${(b / 1024 ** 2).toFixed(b >= 100 * 1024 ** 2 ? 0 : 1)} MB`;
const ledgerScan = (plans: readonly PlanCheck[] | undefined): boolean => (plans ?? []).some((p) => p.fullScans.includes('ledger'));

function indexCell(plans: readonly PlanCheck[] | undefined): string {
  if (!plans) return '-';
  const scans = [...new Set(plans.flatMap((p) => p.fullScans))];
  if (ledgerScan(plans)) return `no: scans ${scans.join(', ')}`;
  return scans.length ? `yes (scans ${scans.join(', ')})` : 'yes';
}

function met(q: QueryResult): string {
  if (q.error || !q.fn) return 'error';
  return q.fn.medianMs < TARGET_MS && q.fn.maxMs < TARGET_MS ? 'met' : 'NOT met';
}

function ratio(q: QueryResult): string {
  if (!q.fn || !q.raw) return '-';
  const r = q.fn.medianMs / q.raw.medianMs;
  return r >= 1 ? r.toFixed(2) : r.toPrecision(2);
}

const HEAD = ['query', 'median ms', 'max ms', 'runs', '< 1 s', 'raw median ms', 'ratio', 'index, no ledger scan', 'raw: index', 'same answer'];

function cells(q: QueryResult): string[] {
  return [q.name, ms(q.fn?.medianMs), ms(q.fn?.maxMs), String(q.fn?.runs ?? 0), met(q), ms(q.raw?.medianMs), ratio(q), indexCell(q.fn?.plans), indexCell(q.raw?.plans), q.error ? `error: ${q.error}` : q.check];
}

function storeFacts(r: StoreRun): string[] {
  const g = r.generation;
  return [
    `rows: ${r.rows.toLocaleString('en-US')}${r.reused ? ' (kept database reused)' : ''}`,
    g ? `generation: insert ${s(g.insertMs)}, indexes ${s(g.indexMs)}${g.analyzeMs ? `, VACUUM ANALYZE ${s(g.analyzeMs)}` : ''}` : 'generation: reused',
    `migrations after generation: ${r.migrations.length ? r.migrations.join('; ') : 'none'} — ${s(r.migrateMs)}${r.analyzeMs !== undefined ? ` (then ANALYZE ${s(r.analyzeMs)})` : ''}`,
    `rows after migrating: ${Object.entries(r.tableRows).map(([t, c]) => `${t} ${c.toLocaleString('en-US')}`).join(', ')}`,
    `size on disk: ${mb(r.sizes.totalBytes)}; ${r.sizes.relations.filter((x) => x.bytes > 64 * 1024).map((x) => `${x.name} ${mb(x.bytes)}`).join(', ')}`,
    ...(r.settings ? [`server: ${Object.entries(r.settings).map(([k, v]) => `${k}=${v}`).join(', ')}`] : []),
  ];
}

/** The plain-text report: a table per store, then every plan. */
export function renderText(run: LedgerRun): string {
  const out: string[] = [];
  for (const r of run.stores) {
    out.push('', `== ${r.kind} ==`, ...storeFacts(r), '');
    const rows = [HEAD, ...r.queries.map(cells)];
    const widths = HEAD.map((_, i) => Math.min(60, Math.max(...rows.map((row) => row[i]!.length))));
    for (const row of rows) out.push(row.map((c, i) => (i === 0 || i >= 7 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  }
  out.push('', '== plans ==');
  for (const r of run.stores) {
    for (const q of r.queries) {
      out.push(`${r.kind} | ${q.name}`);
      for (const p of q.fn?.plans ?? []) out.push(`  fn:  ${p.plan.join(' | ')}`);
      for (const p of q.raw?.plans ?? []) out.push(`  raw: ${p.plan.join(' | ')}`);
    }
  }
  return `${out.join('\n')}\n`;
}

const BEGIN = '<!-- ledger-bench:begin (written by npm run bench:ledger) -->';
const END = '<!-- ledger-bench:end -->';

/** The BENCHMARKS.md section. */
export function renderSection(run: LedgerRun, shape: string): string {
  const m = run.machine;
  const out = [
    BEGIN,
    '## Ledger queries at 10 million rows',
    '',
    `Generated by \`npm run bench:ledger\` (${run.options.rows.toLocaleString('en-US')} rows, ${run.options.runs} timed runs after one warm-up, ${run.wallSeconds.toFixed(0)} s in all) on ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, ${m.date}. Re-run the same way; \`--rows N\`, \`--store sqlite|postgres|both\`, \`--runs K\` and \`--keep\` (reuse the generated database) are described in [bench/README.md](bench/README.md). Every figure and plan is in [bench/ledger-results.json](bench/ledger-results.json).`,
    '',
    `The ledger is synthetic, generated in SQL (deterministic): ${shape}`,
    '',
    `Each query is the function the admin API calls (\`usageSummary\`, \`usageTimeseries\`, \`listTraces\`, \`getTrace\`) on a store opened as the service opens it; the target is ${TARGET_MS} ms for the median and the slowest run. "raw" is the same answer computed from the raw \`ledger\` table with a plain GROUP BY (how the queries worked before the rollups), in the same run; "ratio" is function / raw. "index" is from the plan of every statement the function sent: "no" when one reads \`ledger\` in full. "same answer" compares the function's groups with the raw ones (requests, tokens, cost).`,
  ];
  for (const r of run.stores) {
    out.push('', `### ${r.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`, '', ...storeFacts(r).map((f) => `- ${f}`), '');
    out.push(`| ${HEAD.join(' | ')} |`, `|${HEAD.map((_, i) => (i === 0 || i >= 7 ? '---' : '---:')).join('|')}|`);
    for (const q of r.queries) out.push(`| ${cells(q).map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
    const failing = r.queries.filter((q) => met(q) !== 'met').length;
    out.push('', `${r.queries.length - failing} of ${r.queries.length} queries met the target.`);
  }
  out.push(END);
  return `${out.join('\n')}\n`;
}

/** The ledger section of `doc` (markers and a final newline included), or undefined when it has none. */
export function extractSection(doc: string): string | undefined {
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  return a >= 0 && b > a ? `${doc.slice(a, b + END.length)}\n` : undefined;
}

/** `doc` with its ledger section replaced by `section` (appended when absent). */
export function spliceSection(doc: string, section: string): string {
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a >= 0 && b > a) return `${doc.slice(0, a)}${section}${doc.slice(b + END.length).replace(/^\n/, '')}`;
  return `${doc.replace(/\n*$/, '\n\n')}${section}`;
}
