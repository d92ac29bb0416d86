/**
 * `npm run bench:soak`: the soak alone (scenario-soak.ts). A full run (1,000,000 requests, the
 * default) writes bench/out/soak.json and the "Soak" section of BENCHMARKS.md; a shorter one
 * (`-- --requests N`) writes bench/out/soak.json and bench/out/soak-section.md only.
 *
 * Flags: `--requests N` (default 1,000,000), `--checkpoint N` (default 100,000),
 * `--concurrency N` (default 16); `--render-only` writes the BENCHMARKS.md section again from
 * bench/out/soak.json (the last run, whatever its length).
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { machineInfo } from './machine.js';
import { repoPath } from './run-paths.js';
import { runSoak, SOAK_CHECKPOINT, SOAK_CONCURRENCY, SOAK_REQUESTS, type SoakResult } from './scenario-soak.js';
import { soakSection, soakSummary, spliceSoakSection } from './soak-report.js';

function flag(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const inline = args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const raw = inline ?? (i >= 0 ? args[i + 1] : undefined);
  if (raw === undefined) return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} takes a positive integer (got ${raw})`);
  return n;
}

function writeSection(result: SoakResult, date: Date): void {
  const doc = readFileSync(repoPath('BENCHMARKS.md'), 'utf8');
  writeFileSync(repoPath('BENCHMARKS.md'), spliceSoakSection(doc, soakSection(result, machineInfo(date))));
  process.stderr.write('[soak] wrote the Soak section of BENCHMARKS.md\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const outDir = repoPath('bench/out/');
  if (args.includes('--render-only')) {
    const path = `${outDir}soak.json`;
    writeSection(JSON.parse(readFileSync(path, 'utf8')) as SoakResult, statSync(path).mtime);
    return;
  }
  const requests = flag(args, 'requests', SOAK_REQUESTS);
  const result = await runSoak({
    scale: 1,
    requests,
    checkpoint: flag(args, 'checkpoint', SOAK_CHECKPOINT),
    concurrency: flag(args, 'concurrency', SOAK_CONCURRENCY),
  });
  process.stdout.write(`${soakSummary(result)}\n`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(`${outDir}soak.json`, `${JSON.stringify(result, null, 2)}\n`);
  if (requests >= SOAK_REQUESTS) writeSection(result, new Date());
  else {
    writeFileSync(`${outDir}soak-section.md`, soakSection(result, machineInfo()));
    process.stderr.write('[soak] wrote bench/out/soak.json and bench/out/soak-section.md (a full run, or --render-only, writes BENCHMARKS.md)\n');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
