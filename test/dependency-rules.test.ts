/**
 * The dependency rules of src/ hold: the rules in .dependency-cruiser.cjs (the processor knows
 * no feature, only src/envoy knows the wire, the hook contract stays small), and no two
 * top-level folders of src/ import each other in a cycle (computed here, from the same cruise,
 * as strongly connected components of the folder graph).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

let result: ICruiseResult;

beforeAll(async () => {
  const config = require(`${root}.dependency-cruiser.cjs`) as { forbidden: never[]; options: Record<string, unknown> };
  process.chdir(root);
  const out = await cruise(['src'], { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true } as never);
  result = out.output as ICruiseResult;
}, 60_000);

/** Top-level folder (or file) of a path under src/. */
function folderOf(source: string): string | undefined {
  const m = /^src\/([^/]+)/.exec(source);
  return m?.[1];
}

/** Strongly connected components of more than one node (Tarjan). */
function cycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('dependency rules', () => {
  it('cruises the whole of src/', () => {
    expect(result.modules.filter((m) => m.source.startsWith('src/processor/')).length).toBeGreaterThan(5);
  });

  it('breaks none of the rules in .dependency-cruiser.cjs', () => {
    const violations = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(violations).toEqual([]);
  });

  it('has no import cycle between two folders of src/', () => {
    const edges = new Map<string, Set<string>>();
    for (const m of result.modules) {
      const a = folderOf(m.source);
      if (!a) continue;
      for (const d of m.dependencies) {
        const b = folderOf(d.resolved);
        if (!b || b === a) continue;
        if (!edges.has(a)) edges.set(a, new Set());
        edges.get(a)!.add(b);
      }
    }
    expect(edges.size).toBeGreaterThan(5);
    expect(cycles(edges)).toEqual([]);
  });

  it('finds a folder cycle and a feature import when there is one', () => {
    expect(cycles(new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])], ['d', new Set(['a'])]]))).toEqual([['a', 'b', 'c']]);
  });
});
