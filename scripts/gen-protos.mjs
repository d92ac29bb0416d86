// Regenerates the TypeScript types in src/gen/ from protos/ with proto-loader-gen-types (shipped
// in @grpc/proto-loader). Usage: node scripts/gen-protos.mjs [--out-dir DIR]   (default src/gen)
//
// The flags mirror LOADER_OPTIONS in src/envoy/protos.ts, so the types describe exactly the
// objects the service sees: camelCase field names (no --keepCase), 64-bit integers as strings,
// enums as their names, virtual oneof fields, no defaults, bytes as Buffer. --importFileExtension
// writes `.js` on relative imports as NodeNext ESM requires; with it the output type-checks under
// our strict tsconfig as generated, so nothing is post-processed. --includeComments carries the
// comments of our .proto files into the types.
//
// test/gen-drift.test.ts regenerates into a temporary directory and fails when src/gen differs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** Repository root (the generator runs there so the "Original file" comments stay relative). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where the committed generated types live. */
export const DEFAULT_OUT_DIR = path.join(REPO_ROOT, 'src', 'gen');

/** Proto entry points, relative to protos/ (same list as PROTO_FILES in src/envoy/protos.ts). */
export const GEN_PROTO_FILES = ['envoy/service/ext_proc/v3/external_processor.proto', 'grpc/health/v1/health.proto'];

/** Generator flags matching LOADER_OPTIONS (see the header of this file). */
export const GEN_FLAGS = [
  '--longs=String',
  '--enums=String',
  '--oneofs',
  '--grpcLib=@grpc/grpc-js',
  '--importFileExtension=.js',
  '--includeComments',
  '--includeDirs=protos',
];

const GENERATOR = path.join(
  path.dirname(require.resolve('@grpc/proto-loader/package.json')),
  'build',
  'bin',
  'proto-loader-gen-types.js',
);

/**
 * Replaces `outDir` with freshly generated types. Throws with the generator's output when it fails.
 * @param {string} outDir absolute directory to (re)create
 */
export function generateProtoTypes(outDir) {
  const fromOut = path.relative(outDir, REPO_ROOT);
  if (!path.isAbsolute(outDir) || fromOut === '' || !fromOut.startsWith('..')) {
    throw new Error(`refusing to replace ${outDir}: it must be absolute and must not be, or contain, the repository root`);
  }
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = spawnSync(process.execPath, [GENERATOR, ...GEN_FLAGS, `--outDir=${outDir}`, ...GEN_PROTO_FILES], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`proto-loader-gen-types exited with ${result.status}:\n${result.stderr}${result.stdout}`);
  }
}

/** @param {string[]} argv */
function main(argv) {
  const flag = argv.indexOf('--out-dir');
  if (flag !== -1 && !argv[flag + 1]) throw new Error('--out-dir needs a directory');
  const outDir = flag === -1 ? DEFAULT_OUT_DIR : path.resolve(argv[flag + 1]);
  generateProtoTypes(outDir);
  process.stdout.write(`generated proto types in ${path.relative(process.cwd(), outDir) || '.'}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
