/**
 * Relative links in the repository's Markdown files must resolve: the file must exist, and a
 * `#fragment` into a Markdown file must name one of its headings (GitHub's anchor rules) or an
 * explicit `<a id>`. External links (`http:`, `https:`, `mailto:`) are not fetched. The npm
 * commands the files tell readers to run (`npm start`, `npm test`, `npm run X`) must be scripts
 * of package.json.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const SKIP_DIRS = new Set(['node_modules', 'dist', 'out', 'test-results', 'coverage']);

/** Every Markdown file of the repository outside dependencies and build output. */
function markdownFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...markdownFiles(full));
    else if (entry.name.endsWith('.md')) found.push(full);
  }
  return found.sort();
}

/** The text outside fenced code blocks and inline code spans, line by line (numbers kept). */
function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const marker = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (marker !== undefined) {
      if (fence === undefined) fence = marker[0]!;
      else if (marker[0] === fence) fence = undefined;
      return '';
    }
    return fence === undefined ? line.replace(/`[^`]*`/g, '') : '';
  });
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, each space a hyphen. */
function headingAnchor(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** The anchors a Markdown file defines: its headings (numbered when repeated) and `<a id|name>`. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const marker = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (marker !== undefined) {
      if (fence === undefined) fence = marker[0]!;
      else if (marker[0] === fence) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const base = headingAnchor(heading);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
  }
  return anchors;
}

interface Link {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

/** The relative link targets of a Markdown file: `[text](target)` and `[label]: target`. */
function relativeLinks(file: string): Link[] {
  const links: Link[] = [];
  proseLines(readFileSync(file, 'utf8')).forEach((line, i) => {
    const targets = [
      ...[...line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
      ...[...line.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/g)].map((m) => m[1]!),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:, …
      links.push({ file, line: i + 1, target });
    }
  });
  return links;
}

/** Why `link` does not resolve, or undefined when it does. */
function problemOf(link: Link): string | undefined {
  const [rawPath = '', fragment] = link.target.split('#', 2);
  const filePath = decodeURIComponent(rawPath);
  const resolved = filePath === '' ? link.file : path.resolve(path.dirname(link.file), filePath);
  if (!resolved.startsWith(ROOT + path.sep) && resolved !== ROOT) return 'points outside the repository';
  if (!existsSync(resolved)) return 'no such file';
  if (fragment === undefined || fragment === '') return undefined;
  if (!resolved.endsWith('.md') || !statSync(resolved).isFile()) return undefined;
  return anchorsOf(resolved).has(decodeURIComponent(fragment)) ? undefined : `no heading with anchor #${fragment}`;
}

describe('relative links in Markdown files', () => {
  const files = markdownFiles(ROOT);

  it('finds the README and the docs', () => {
    const names = files.map((f) => path.relative(ROOT, f));
    expect(names).toContain('README.md');
    expect(names).toContain(path.join('docs', 'configuration.md'));
  });

  it('all resolve to an existing file and heading', () => {
    const broken = files
      .flatMap(relativeLinks)
      .map((link) => ({ link, problem: problemOf(link) }))
      .filter((b) => b.problem !== undefined)
      .map(({ link, problem }) => `${path.relative(ROOT, link.file)}:${link.line}: ${link.target}: ${problem}`);
    expect(broken).toEqual([]);
  });
});

describe('headingAnchor', () => {
  it('follows GitHub: lower case, punctuation dropped, spaces to hyphens', () => {
    expect(headingAnchor('Shutdown: SIGTERM, drain and preStop')).toBe('shutdown-sigterm-drain-and-prestop');
    expect(headingAnchor('`llmRequestCosts[]`')).toBe('llmrequestcosts');
    expect(headingAnchor('"Why did this go there?"')).toBe('why-did-this-go-there');
    expect(headingAnchor('Validate a config: `check`')).toBe('validate-a-config-check');
    expect(headingAnchor('Usage ledger, prices and budgets')).toBe('usage-ledger-prices-and-budgets');
  });
});

describe('npm commands in Markdown files', () => {
  it('name scripts package.json has', () => {
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const missing: string[] = [];
    for (const file of markdownFiles(ROOT)) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          for (const m of line.matchAll(/\bnpm (?:run ([\w:.-]+)|(start|test)\b)/g)) {
            const script = m[1] ?? m[2]!;
            if (!Object.hasOwn(scripts, script)) missing.push(`${path.relative(ROOT, file)}:${i + 1}: npm ${m[1] ? 'run ' : ''}${script}`);
          }
        });
    }
    expect(missing).toEqual([]);
  });
});
