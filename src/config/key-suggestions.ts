/**
 * "Did you mean …?" for unknown config keys: the keys the schema accepts at a path, and the one
 * nearest to a misspelt key.
 */
import type { z } from 'zod';

/** The definition zod 4 keeps on every schema (`schema._zod.def`), as far as we read it. */
interface SchemaDef {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly innerType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly left?: z.ZodType;
  readonly right?: z.ZodType;
  readonly in?: z.ZodType;
  readonly out?: z.ZodType;
  readonly getter?: () => z.ZodType;
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** The object schemas `schema` can be at this level (wrappers, unions and intersections opened). */
function objectsOf(schema: z.ZodType, depth = 0): z.ZodType[] {
  if (depth > 20) return [];
  const def = defOf(schema);
  if (def.type === 'object') return [schema];
  const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined) ?? (def.type === 'lazy' ? def.getter?.() : undefined);
  if (inner) return objectsOf(inner, depth + 1);
  if (def.type === 'union' && def.options) return def.options.flatMap((o) => objectsOf(o, depth + 1));
  if (def.type === 'intersection') return [def.left, def.right].flatMap((o) => (o ? objectsOf(o, depth + 1) : []));
  return [];
}

/** The schemas reached by one step (`key` of an object, an element of an array or record). */
function step(schema: z.ZodType, part: PropertyKey, depth = 0): z.ZodType[] {
  if (depth > 20) return [];
  const def = defOf(schema);
  if (def.type === 'object') {
    const next = typeof part === 'string' ? def.shape?.[part] : undefined;
    return next ? [next] : [];
  }
  if (def.type === 'array' && def.element) return [def.element];
  if (def.type === 'record' && def.valueType) return [def.valueType];
  const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined) ?? (def.type === 'lazy' ? def.getter?.() : undefined);
  if (inner) return step(inner, part, depth + 1);
  if (def.type === 'union' && def.options) return def.options.flatMap((o) => step(o, part, depth + 1));
  if (def.type === 'intersection') return [def.left, def.right].flatMap((o) => (o ? step(o, part, depth + 1) : []));
  return [];
}

/** The keys the objects at `path` of `schema` accept (all members of a union together), sorted. */
export function keysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let at = [schema];
  for (const part of path) at = at.flatMap((s) => step(s, part));
  const keys = new Set<string>();
  for (const o of at.flatMap((s) => objectsOf(s))) for (const k of Object.keys(defOf(o).shape ?? {})) keys.add(k);
  return [...keys].sort();
}

/** Edit distance (insertions, deletions, substitutions, and swaps of neighbours), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[s.length]![t.length]!;
}

/**
 * The candidate nearest to `key`, when it is near enough to be a slip (at most a third of the
 * key's length, and at least 1, edits away); undefined otherwise.
 */
export function nearestKey(key: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(key.length / 3));
  let best: { key: string; distance: number } | undefined;
  for (const c of candidates) {
    const distance = editDistance(key, c);
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { key: c, distance };
  }
  return best?.key;
}
