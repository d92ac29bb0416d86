/**
 * Finds the line of a config path (`rules[0].headers[1].prefix`) in YAML text, so problems found
 * after parsing (a module that fails to load, a CEL expression that does not compile) can be
 * reported with a line like schema problems are.
 */
import { LineCounter, parseDocument } from 'yaml';

/** Splits `a.b[0].c` into `['a', 'b', 0, 'c']`. */
export function splitConfigPath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

type YamlNode = { range?: [number, number, number]; items?: Array<{ key?: { value?: unknown; range?: [number, number, number] } }> };

/**
 * 1-based line of `path` in `text`: the line of its key when the path ends in a map key, else of
 * its value; the nearest ancestor's when the path itself is not in the text. Undefined when the
 * text does not parse.
 */
export function lineOfConfigPath(text: string, path: string): number | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) return undefined;
  const parts = splitConfigPath(path);
  for (let n = parts.length; n >= 0; n--) {
    const last = parts[n - 1];
    if (n > 0 && typeof last === 'string') {
      const parent = doc.getIn(parts.slice(0, n - 1), true) as YamlNode | undefined;
      const key = parent?.items?.find((p) => p.key?.value === last)?.key;
      if (key?.range) return lineCounter.linePos(key.range[0]).line;
    }
    const node = (n === 0 ? doc.contents : doc.getIn(parts.slice(0, n), true)) as YamlNode | null | undefined;
    if (node?.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}
