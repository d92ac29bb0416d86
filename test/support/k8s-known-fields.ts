/**
 * Unknown-field check for Kubernetes manifests, the way `kubectl apply --validate=strict` reports
 * them. The JSON-schema validators of `kubernetes-models` check types, enums and required
 * fields but let unknown keys through (a typo such as `readinesProbe` would be silently dropped
 * by the API server). The same packages' type declarations list every field of every type, one
 * `.d.ts` per type; this walks a manifest along them and reports keys no type declares.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const NODE_MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url));

/** A field's type as far as the walk needs it. */
type FieldType = { kind: 'leaf' } | { kind: 'object'; file: string } | { kind: 'array'; item: FieldType } | { kind: 'map'; value: FieldType };

interface ObjectType {
  readonly fields: ReadonlyMap<string, FieldType>;
}

const cache = new Map<string, ObjectType | undefined>();

function resolveImport(fromFile: string, spec: string): string {
  const base = spec.startsWith('.') ? path.resolve(path.dirname(fromFile), spec) : path.join(NODE_MODULES, spec);
  return base.replace(/\.js$/, '') + '.d.ts';
}

function parseType(text: string, imports: ReadonlyMap<string, string>): FieldType {
  const t = text.trim().replace(/;$/, '');
  const array = /^Array<(.+)>$/.exec(t);
  if (array) return { kind: 'array', item: parseType(array[1] as string, imports) };
  const map = /^\{\s*\[key: string\]: (.+?);?\s*\}$/s.exec(t);
  if (map) return { kind: 'map', value: parseType(map[1] as string, imports) };
  const file = imports.get(t);
  return file ? { kind: 'object', file } : { kind: 'leaf' };
}

/** Reads the first interface of a generated `.d.ts` file; undefined for type aliases (leaves). */
function load(file: string): ObjectType | undefined {
  if (cache.has(file)) return cache.get(file);
  let result: ObjectType | undefined;
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8');
    const imports = new Map<string, string>();
    for (const m of text.matchAll(/^import \{ (\w+) \} from "([^"]+)";$/gm)) imports.set(m[1] as string, resolveImport(file, m[2] as string));
    const start = text.search(/^export interface I\w+(?: extends [\w, ]+)? \{$/m);
    if (start >= 0) {
      const body = text.slice(text.indexOf('\n', start) + 1, text.indexOf('\n}\n', start));
      const fields = new Map<string, FieldType>();
      // Property lines sit at 4 spaces; a type opened with `{` continues up to the matching `    };`.
      const lines = body.split('\n').filter((l) => !/^\s*(\/\*\*|\*)/.test(l));
      for (let i = 0; i < lines.length; i++) {
        const m = /^ {4}"([^"]+)"\??: (.*)$/.exec(lines[i] as string);
        if (!m) continue;
        let typeText = m[2] as string;
        if (typeText.trimEnd() === '{') {
          const parts = [typeText];
          while (++i < lines.length && !/^ {4}\};?$/.test(lines[i] as string)) parts.push(lines[i] as string);
          parts.push('}');
          typeText = parts.join(' ');
        }
        fields.set(m[1] as string, parseType(typeText, imports));
      }
      result = { fields };
    }
  }
  cache.set(file, result);
  return result;
}

function walk(value: unknown, type: FieldType, at: string, out: string[]): void {
  if (value === null || value === undefined) return;
  switch (type.kind) {
    case 'leaf':
      return;
    case 'array':
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, type.item, `${at}[${i}]`, out));
      return;
    case 'map':
      if (typeof value === 'object' && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) walk(v, type.value, `${at}.${k}`, out);
      return;
    case 'object': {
      const object = load(type.file);
      if (!object || typeof value !== 'object' || Array.isArray(value)) return;
      for (const [k, v] of Object.entries(value)) {
        const field = object.fields.get(k);
        if (!field) out.push(`${at ? `${at}.` : ''}${k}: unknown field (not in ${path.basename(type.file, '.d.ts')})`);
        else walk(v, field, at ? `${at}.${k}` : k, out);
      }
    }
  }
}

/**
 * Reports every key of `manifest` that its type does not declare. `modelFile` is the `.d.ts` of
 * the kind, relative to node_modules (e.g. `kubernetes-models/apps/v1/Deployment.d.ts`).
 */
export function unknownFields(manifest: unknown, modelFile: string): string[] {
  const file = path.join(NODE_MODULES, modelFile);
  if (!load(file)) throw new Error(`no type declaration at ${modelFile}`);
  const out: string[] = [];
  walk(manifest, { kind: 'object', file }, '', out);
  return out;
}
