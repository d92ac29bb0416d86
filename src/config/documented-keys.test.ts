/**
 * docs/configuration.md must document every configuration key the schema accepts, with the
 * schema's default, and no key the schema does not accept. The keys come from walking the zod
 * schema through its public API (`shape`, `unwrap()`, `element`, `options`, `in`); the docs side
 * is the first column of every table whose header starts `| key | default |`.
 *
 * A sub-schema used in several places (a rule's and a backend's `promptCaching`, the global and
 * a rule's `policy`) is documented once, under any of its paths. Secret references
 * (`{filename | env | key}`) are documented once, in their own section.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { secretRefSchema } from './access-schema.js';
import { configSchema } from './schema.js';

const DOC = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

/** One key of one object schema, reached at `path`. */
interface SchemaKey {
  /** Dotted path, `[]` after array-valued segments: `rules[].headers[].name`. */
  readonly path: string;
  /** The object schema holding the key, and the key's name in it. */
  readonly owner: z.ZodObject;
  readonly name: string;
  /** True for keys that only hold other keys (an object, or an array of objects). */
  readonly container: boolean;
  /** The value the schema fills in when the key is absent, if any. */
  readonly default?: unknown;
}

/** The schema under optional/default/prefault/nullable wrappers and transforms (its input side). */
function core(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault || s instanceof z.ZodPrefault) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return s;
  }
}

function isObjectWithKeys(s: z.ZodType): s is z.ZodObject {
  return s instanceof z.ZodObject && Object.keys(s.shape).length > 0;
}

const LEAVES = [z.ZodString, z.ZodNumber, z.ZodBoolean, z.ZodEnum, z.ZodLiteral, z.ZodUnknown, z.ZodRecord];

/** Every key below `schema`, depth first. Throws on a zod type it does not know, so none is skipped silently. */
function schemaKeys(schema: z.ZodType, prefix: string, out: SchemaKey[], owners: Map<z.ZodObject, Set<string>>): void {
  const s = core(schema);
  if (s === secretRefSchema) return; // documented in its own section
  if (s instanceof z.ZodObject) {
    const prefixes = owners.get(s) ?? new Set<string>();
    owners.set(s, prefixes.add(prefix));
    for (const [name, value] of Object.entries(s.shape as Record<string, z.ZodType>)) {
      const inner = core(value);
      const isArray = inner instanceof z.ZodArray;
      const path = `${prefix ? `${prefix}.` : ''}${name}${isArray ? '[]' : ''}`;
      const parsed = value.safeParse(undefined);
      out.push({
        path,
        owner: s,
        name,
        container: isObjectWithKeys(isArray ? core(inner.element as z.ZodType) : inner),
        ...(parsed.success && parsed.data !== undefined ? { default: parsed.data } : {}),
      });
      schemaKeys(value, path, out, owners);
    }
    return;
  }
  if (s instanceof z.ZodArray) return schemaKeys(s.element as z.ZodType, prefix, out, owners);
  if (s instanceof z.ZodUnion) {
    for (const option of s.options as readonly z.ZodType[]) schemaKeys(option, prefix, out, owners);
    return;
  }
  if (LEAVES.some((leaf) => s instanceof leaf)) return;
  throw new Error(`${prefix}: zod type ${s.constructor.name} is not handled by this test; teach it`);
}

/** A documented key path, compared without a trailing `[]`. */
function norm(path: string): string {
  return path.replace(/\[\]$/, '');
}

/** The cells of a Markdown table row (`\|` inside a cell is not a separator). */
function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

/** The rows of every `| key | default | … |` table: the key paths of the first cell and the default cell. */
function documentedRows(doc: string): { keys: string[]; default: string; line: number }[] {
  const rows: { keys: string[]; default: string; line: number }[] = [];
  const lines = doc.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const header = lines[i]!.startsWith('|') ? cells(lines[i]!) : [];
    if (header[0] !== 'key' || header[1] !== 'default') continue;
    for (i += 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
      const row = cells(lines[i]!);
      rows.push({ keys: codeSpans(row[0]!).map(norm), default: row[1]!, line: i + 1 });
    }
  }
  return rows;
}

/** How a default is written in the docs' default column. */
function rendered(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? '""' : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.length === 0) return '[]';
  if (value !== null && typeof value === 'object' && Object.keys(value).length === 0) return '{}';
  return undefined; // a non-empty object: the docs spell it out as they see fit
}

const keys: SchemaKey[] = [];
const owners = new Map<z.ZodObject, Set<string>>();
schemaKeys(configSchema, '', keys, owners);
const rows = documentedRows(DOC);
const rowOf = new Map(rows.flatMap((r) => r.keys.map((k) => [k, r] as const)));

/** The documented row of a key: under its own path, or under another path of the same sub-schema. */
function rowFor(k: SchemaKey): { default: string; line: number } | undefined {
  for (const prefix of owners.get(k.owner) ?? []) {
    const suffix = k.path.slice(k.path.lastIndexOf(k.name));
    const row = rowOf.get(norm(`${prefix ? `${prefix}.` : ''}${suffix}`));
    if (row) return row;
  }
  return undefined;
}

describe('docs/configuration.md and the config schema', () => {
  it('finds the schema keys and the documented rows', () => {
    expect(keys.length).toBeGreaterThan(100);
    expect(rows.length).toBeGreaterThan(50);
    expect(keys.map((k) => k.path)).toContain('rules[].backends[].promptCaching.key.from');
  });

  it('documents every key that is not only a container of other keys', () => {
    const missing = keys.filter((k) => !k.container && rowFor(k) === undefined).map((k) => k.path);
    expect(missing).toEqual([]);
  });

  it('gives each documented key the schema default', () => {
    const wrong: string[] = [];
    for (const k of keys) {
      const want = rendered(k.default);
      const row = rowFor(k);
      if (want === undefined || row === undefined) continue;
      if (!codeSpans(row.default).includes(want)) wrong.push(`${k.path} (line ${row.line}): default \`${want}\`, docs say ${row.default}`);
    }
    expect(wrong).toEqual([]);
  });

  it('documents no key the schema does not accept', () => {
    const known = new Set(keys.map((k) => norm(k.path)));
    const unknown = rows.flatMap((r) => r.keys.filter((k) => !known.has(k)).map((k) => `${k} (line ${r.line})`));
    expect(unknown).toEqual([]);
  });

  it('documents every form of a secret reference', () => {
    const section = /^### Secret references\n([\s\S]*?)(?=^#)/m.exec(DOC)?.[1] ?? '';
    const forms = secretRefSchema.options.flatMap((o) => Object.keys(o.shape));
    expect(forms).toEqual(['filename', 'env', 'key']);
    for (const form of forms) expect(codeSpans(section), form).toContain(form);
  });
});
