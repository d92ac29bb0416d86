/**
 * The committed types in src/gen/ must be exactly what scripts/gen-protos.mjs generates from
 * protos/ today: after changing a .proto file, run `npm run gen:protos` and commit the result.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OUT_DIR, GEN_PROTO_FILES, generateProtoTypes } from '../scripts/gen-protos.mjs';
import { PROTO_FILES } from '../src/envoy/protos.js';

/** Every file below `dir`, as sorted paths relative to it. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => statSync(path.join(dir, file)).isFile())
    .sort();
}

/** One line per file that is missing, extra or different in `actualDir` compared with `expectedDir`. */
function treeDifferences(expectedDir: string, actualDir: string, label: string): string[] {
  const expected = listFiles(expectedDir);
  const actual = listFiles(actualDir);
  const differences: string[] = [];
  for (const file of expected) {
    if (!actual.includes(file)) differences.push(`${label}/${file} is missing (regenerate: npm run gen:protos)`);
    else if (!readFileSync(path.join(expectedDir, file)).equals(readFileSync(path.join(actualDir, file)))) {
      differences.push(`${label}/${file} differs from the generator's output (regenerate: npm run gen:protos)`);
    }
  }
  for (const file of actual) {
    if (!expected.includes(file)) differences.push(`${label}/${file} is not generated any more (delete it)`);
  }
  return differences;
}

describe('generated proto types (src/gen)', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'gen-protos-'));
  const fresh = path.join(scratch, 'gen');
  beforeAll(() => generateProtoTypes(fresh));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('are generated from the proto files the service loads', () => {
    expect(GEN_PROTO_FILES).toEqual(PROTO_FILES);
  });

  it('match a fresh generation file for file', () => {
    expect(listFiles(fresh)).toContain(path.join('envoy', 'service', 'ext_proc', 'v3', 'ProcessingRequest.ts'));
    expect(treeDifferences(fresh, DEFAULT_OUT_DIR, 'src/gen')).toEqual([]);
  });

  it('name each drifted file', () => {
    const drifted = path.join(scratch, 'drifted');
    cpSync(fresh, drifted, { recursive: true });
    const edited = path.join('envoy', 'config', 'core', 'v3', 'HeaderValue.ts');
    writeFileSync(path.join(drifted, edited), `${readFileSync(path.join(drifted, edited), 'utf8')}// edited\n`);
    rmSync(path.join(drifted, 'health.ts'));
    writeFileSync(path.join(drifted, 'stale.ts'), '');
    expect(treeDifferences(fresh, drifted, 'src/gen')).toEqual([
      `src/gen/${edited} differs from the generator's output (regenerate: npm run gen:protos)`,
      'src/gen/health.ts is missing (regenerate: npm run gen:protos)',
      'src/gen/stale.ts is not generated any more (delete it)',
    ]);
  });
});
