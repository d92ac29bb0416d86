/**
 * Compiles the benchmarks (and the sources they import) with `tsc` into `bench/out/build/`, so
 * the measured processes run the same plain JavaScript `npm run build` produces for production,
 * not code transformed on the fly (tsx wraps closures in a naming helper, which costs CPU on
 * the hot path). Links `protos/` and `package.json` beside the output, where the compiled
 * `src/` looks for them.
 *
 * Usage: `npx tsx bench/build.ts` (the `bench` npm scripts run it first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = fileURLToPath(new URL('out/build/', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));

const result = spawnSync(process.execPath, [tsc, '-p', 'bench/tsconfig.json'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  // tsc still emits; type errors are `npm run typecheck`'s business, not a reason to skip a run.
  process.stderr.write('bench build: tsc reported errors (above); running the emitted JavaScript anyway\n');
}
if (!existsSync(`${out}bench/run.js`)) {
  process.stderr.write('bench build: nothing was emitted\n');
  process.exit(1);
}
mkdirSync(out, { recursive: true });
for (const name of ['protos', 'package.json']) {
  if (!existsSync(`${out}${name}`)) symlinkSync(`../../../${name}`, `${out}${name}`);
}
