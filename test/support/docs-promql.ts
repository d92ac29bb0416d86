/**
 * The PromQL the documentation shows readers: every expression of a ```promql block (lines up to
 * a blank line are one expression), and every inline
 * code span that is a selector or query on one of our metrics (names starting `gen_ai_` or
 * `llm_extproc_`, written the Prometheus way with underscores). A table cell naming a histogram
 * family as `name_*` is returned as `name_count`, a series the family must have.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One expression and where it is written. */
export interface DocExpression {
  readonly where: string;
  expr: string;
}

const OUR_METRIC = /\b(?:gen_ai|llm_extproc)_[a-z0-9_]+/;

/** The expressions of one Markdown text (`file` names it in `where`). */
export function promqlOf(file: string, text: string): DocExpression[] {
  const found: DocExpression[] = [];
  let fence: string | undefined;
  let promql = false;
  let paragraph: { where: string; expr: string } | undefined;
  text.split('\n').forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    const marker = /^\s*(```+|~~~+)\s*(\S*)/.exec(line);
    if (marker) {
      paragraph = undefined;
      if (fence === undefined) {
        fence = marker[1]![0];
        promql = marker[2] === 'promql';
      } else if (marker[1]![0] === fence) {
        fence = undefined;
        promql = false;
      }
      return;
    }
    if (fence !== undefined) {
      // In a promql block, an expression runs to the next blank line (it may span lines).
      const t = line.trim();
      if (!promql || t.startsWith('#')) return;
      if (t === '') paragraph = undefined;
      else if (paragraph) paragraph.expr = `${paragraph.expr} ${t}`;
      else found.push((paragraph = { where, expr: t }));
      return;
    }
    for (const m of line.matchAll(/`([^`]+)`/g)) {
      const span = m[1]!.trim();
      if (!OUR_METRIC.test(span) || /[.\s]/.test(span.replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '').replace(/\s*(by|without)\s*\(/g, '('))) continue;
      found.push({ where, expr: span.endsWith('_*') ? `${span.slice(0, -2)}_count` : span });
    }
  });
  return found;
}

/** The expressions of README.md and every Markdown file under docs/ of the repository at `root`. */
export function documentedPromql(root: string): DocExpression[] {
  const files = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join('docs', f))];
  return files.flatMap((f) => promqlOf(f, readFileSync(path.join(root, f), 'utf8')));
}
