/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`, e.g. `npm run bench -- --profile`):
 * self time by function, and by file or package, largest first.
 *
 * Usage: `npx tsx bench/profile-summary.ts PROFILE.cpuprofile [--top 40]`
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Self time of one function or group, in µs and as a share of the profile. */
export interface SelfTime {
  readonly name: string;
  readonly micros: number;
  readonly share: number;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.search(/\/(src|bench|test)\//);
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '') || '(native)';
}

/** Self time per function (`name file:line`) and per file/package, from a parsed profile. */
export function summariseProfile(profile: CpuProfile): { byFunction: SelfTime[]; byFile: SelfTime[]; totalMicros: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  let total = 0;
  for (const [id, micros] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = shortUrl(url);
    const name = `${functionName || '(anonymous)'} ${url ? `${where}:${lineNumber + 1}` : ''}`.trim();
    fn.set(name, (fn.get(name) ?? 0) + micros);
    file.set(url ? where : functionName, (file.get(url ? where : functionName) ?? 0) + micros);
    total += micros;
  }
  const list = (m: Map<string, number>): SelfTime[] =>
    [...m].map(([name, micros]) => ({ name, micros, share: total > 0 ? micros / total : 0 })).sort((a, b) => b.micros - a.micros);
  return { byFunction: list(fn), byFile: list(file), totalMicros: total };
}

function main(): void {
  const args = process.argv.slice(2);
  const path = args.find((a) => !a.startsWith('--'));
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 40;
  if (!path) {
    process.stderr.write('usage: tsx bench/profile-summary.ts PROFILE.cpuprofile [--top N]\n');
    process.exit(2);
  }
  const summary = summariseProfile(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile);
  const row = (s: SelfTime): string => `${(s.micros / 1000).toFixed(1).padStart(9)} ms ${(s.share * 100).toFixed(1).padStart(5)}%  ${s.name}`;
  process.stdout.write(`total sampled: ${(summary.totalMicros / 1000).toFixed(1)} ms\n\nself time by file/package:\n`);
  for (const s of summary.byFile.slice(0, 25)) process.stdout.write(`${row(s)}\n`);
  process.stdout.write(`\nself time by function (top ${top}):\n`);
  for (const s of summary.byFunction.slice(0, top)) process.stdout.write(`${row(s)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
