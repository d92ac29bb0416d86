/**
 * docs/metrics.md must list every instrument the code creates, with its unit, and list none the
 * code does not create. Instruments are found in the source: each `meter.createX(name, { … })`
 * outside tests, with `name` a string literal or a string constant of the same file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const DOC = readFileSync(path.join(ROOT, 'docs', 'metrics.md'), 'utf8');

interface Instrument {
  readonly name: string;
  readonly unit: string | undefined;
  readonly where: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'gen' ? [] : sourceFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** Every instrument created in `src/`. */
function instruments(): Instrument[] {
  const found: Instrument[] = [];
  for (const file of sourceFiles(path.join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\.create(?:Counter|UpDownCounter|Histogram|Gauge|ObservableGauge|ObservableCounter|ObservableUpDownCounter)\(\s*([^,)]+)/g)) {
      const arg = m[1]!.trim();
      const where = `${path.relative(ROOT, file)}:${text.slice(0, m.index).split('\n').length}`;
      const literal = /^(['"])(.+)\1$/.exec(arg)?.[2];
      const constant = /^[A-Za-z_$][\w$]*$/.test(arg) ? new RegExp(`const ${arg}\\s*=\\s*(['"])(.+?)\\1`).exec(text)?.[2] : undefined;
      const name = literal ?? constant;
      if (name === undefined) throw new Error(`${where}: instrument name ${arg} is neither a string literal nor a string constant of the file`);
      const options = text.slice(m.index + m[0].length, text.indexOf('})', m.index) + 2);
      found.push({ name, unit: /unit:\s*(['"])(.+?)\1/.exec(options)?.[2], where });
    }
  }
  return found;
}

/** Rows of the `| instrument | … | unit | … |` tables: instrument name → unit cell. */
function documented(): Map<string, string> {
  const rows = new Map<string, string>();
  const lines = DOC.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const header = lines[i]!.split('|').map((c) => c.trim());
    if (header[1] !== 'instrument') continue;
    const unitColumn = header.indexOf('unit');
    for (i += 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
      const cells = lines[i]!.split('|').map((c) => c.trim());
      const name = /^`([^`]+)`$/.exec(cells[1]!)?.[1];
      if (name !== undefined) rows.set(name, unitColumn > 0 ? cells[unitColumn]! : '');
    }
  }
  return rows;
}

const created = instruments();
const rows = documented();

describe('docs/metrics.md and the instruments the code creates', () => {
  it('finds them', () => {
    expect(created.length).toBeGreaterThanOrEqual(13);
    expect(created.map((i) => i.name)).toContain('gen_ai.client.token.usage');
  });

  it('lists each with its unit (– for none)', () => {
    const problems: string[] = [];
    for (const i of created) {
      const unitCell = rows.get(i.name);
      if (unitCell === undefined) problems.push(`${i.name} (${i.where}) is not listed`);
      else if (unitCell !== (i.unit === undefined ? '–' : `\`${i.unit}\``)) problems.push(`${i.name}: unit ${i.unit ?? '–'}, docs say ${unitCell}`);
    }
    expect(problems).toEqual([]);
  });

  it('lists none the code does not create', () => {
    const names = new Set(created.map((i) => i.name));
    expect([...rows.keys()].filter((n) => !names.has(n))).toEqual([]);
  });
});
