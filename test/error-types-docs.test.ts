/**
 * docs/metrics.md, "`error.type` values", lists every value the code can record as a failed
 * request's `error.type`, and nothing else. The values are found in `src/`:
 * - the codes of user-facing errors: every code of the error catalogue's request-path errors
 *   (`CLIENT_ERRORS` in src/error-catalogue.ts, the one place they are built from);
 * - string literals assigned to `errorType` (not the ones compared against or used as a key);
 * - the ways an ext_proc stream can end other than `completed` (`StreamEnd`), which a request
 *   ending early records as its type;
 * - `http_<status>` when the code builds `http_${…}`, and the fallback `FALLBACK_ERROR_TYPE`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLIENT_ERRORS } from '../src/error-catalogue.js';
import { FALLBACK_ERROR_TYPE } from '../src/metrics/genai-metrics.js';

const ROOT = path.resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'gen' ? [] : sourceFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('-contract.ts') ? [full] : [];
  });
}

/** The values the code records, each with where it was found. */
function recordedErrorTypes(): Map<string, string> {
  const found = new Map<string, string>();
  const add = (value: string, file: string, text: string, index: number) => {
    if (!found.has(value)) found.set(value, `${path.relative(ROOT, file)}:${text.slice(0, index).split('\n').length}`);
  };
  for (const file of sourceFiles(path.join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/errorType:[^\n]*/g)) {
      for (const lit of m[0].matchAll(/(?<![=!]==\s*|\[)'([a-z_]+)'/g)) add(lit[1]!, file, text, m.index);
      if (m[0].includes('`http_${')) add('http_<status>', file, text, m.index);
    }
    const streamEnd = /export type StreamEnd = ([^;]+);/.exec(text);
    if (streamEnd) for (const v of streamEnd[1]!.matchAll(/'([a-z_]+)'/g)) if (v[1] !== 'completed') add(v[1]!, file, text, streamEnd.index);
  }
  for (const code of Object.keys(CLIENT_ERRORS)) if (!found.has(code)) found.set(code, 'src/error-catalogue.ts (CLIENT_ERRORS)');
  found.set(FALLBACK_ERROR_TYPE, 'src/metrics/genai-metrics.ts (FALLBACK_ERROR_TYPE)');
  return found;
}

/** The `code` spans of the first column of the table under "### `error.type` values". */
function documentedErrorTypes(): Set<string> {
  const doc = readFileSync(path.join(ROOT, 'docs', 'metrics.md'), 'utf8');
  const section = /^### `error\.type` values\n([\s\S]*?)(?=^#{2,3} )/m.exec(doc)?.[1] ?? '';
  const values = new Set<string>();
  for (const line of section.split('\n')) {
    if (!line.startsWith('|') || /^\|\s*(value|---)/.test(line)) continue;
    const cell = line.split('|')[1]!;
    for (const m of cell.matchAll(/`([^`]+)`/g)) values.add(m[1]!);
  }
  return values;
}

describe('docs/metrics.md, error.type values', () => {
  const recorded = recordedErrorTypes();
  const documented = documentedErrorTypes();

  it('finds the values in the code, the early-end ones included', () => {
    for (const v of ['model_not_found', 'budget_exceeded', 'incomplete', 'incomplete_response', 'cancelled', 'error', 'http_<status>', '_OTHER']) expect(recorded.has(v), v).toBe(true);
  });

  it('lists every value the code records', () => {
    expect([...recorded].filter(([v]) => !documented.has(v)).map(([v, where]) => `${v} (${where})`)).toEqual([]);
  });

  it('lists none the code does not record', () => {
    expect([...documented].filter((v) => !recorded.has(v))).toEqual([]);
  });
});
