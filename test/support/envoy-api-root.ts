/**
 * Loads Envoy's whole v3 API from the snapshot shipped inside `@grpc/grpc-js-xds` (`deps/`:
 * envoy-api, xds, googleapis, protoc-gen-validate) into one protobufjs root, so a config can be
 * checked against every message an Envoy bootstrap may name.
 *
 * The snapshot is partial: a few files import protos it does not ship (v2 APIs, OpenCensus,
 * OpenTelemetry collector). Those files — and only those — are left out; {@link loadEnvoyApiRoot}
 * reports them in `skippedFiles`. Fields newer than the snapshot are added from an allowlist
 * (see `envoy-api-allowlist.ts`), each with its real field number and type.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const XDS_DEPS = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const INCLUDE_DIRS = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(XDS_DEPS, d));
/** protobufjs ships `google/protobuf/descriptor.proto` (imported by validate.proto). */
const PROTOBUFJS_DIR = path.dirname(require.resolve('protobufjs/package.json'));
/** Well-known types protobufjs has built in (it loads them without reading a file). */
const BUNDLED = new Set(['any', 'duration', 'empty', 'field_mask', 'struct', 'timestamp', 'wrappers'].map((n) => `google/protobuf/${n}.proto`));

/** A field, message or enum value that Envoy added after the snapshot was taken. */
export type EnvoyApiAddition =
  | {
      readonly kind: 'field';
      /** `<message full name>.<field name>`, e.g. `envoy.config.route.v3.RateLimit.apply_on_stream_done`. */
      readonly field: string;
      /** Field number in Envoy's proto. */
      readonly id: number;
      /** Scalar name (`bool`, `string`, …) or message/enum full name. */
      readonly type: string;
      readonly repeated?: boolean;
      /** Envoy release that added it, e.g. `Envoy 1.33.0`. */
      readonly since: string;
      /** Where the fact comes from (pull request). */
      readonly source: string;
    }
  | {
      readonly kind: 'message';
      /** Full name of the new message, e.g. `envoy.config.route.v3.RateLimit.HitsAddend`. */
      readonly message: string;
      /** Its fields: name → number and type. */
      readonly fields: Readonly<Record<string, { readonly id: number; readonly type: string; readonly repeated?: boolean }>>;
      readonly since: string;
      readonly source: string;
    }
  | {
      readonly kind: 'enumValue';
      /** `<enum full name>.<VALUE>`. */
      readonly value: string;
      readonly number: number;
      readonly since: string;
      readonly source: string;
    };

/** The loaded API. */
export interface EnvoyApiRoot {
  readonly root: protobuf.Root;
  /** Snapshot files left out because an import is missing from the snapshot. */
  readonly skippedFiles: readonly string[];
}

function resolveImport(target: string): string | undefined {
  if (BUNDLED.has(target)) return target;
  for (const dir of [...INCLUDE_DIRS, PROTOBUFJS_DIR]) {
    const candidate = path.join(dir, target);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function listProtos(dir: string, base: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) listProtos(full, base, out);
    else if (entry.endsWith('.proto')) out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out;
}

/** True when `file` and everything it imports (transitively) exists in the snapshot. */
function loadableIn(cache: Map<string, boolean>): (file: string) => boolean {
  const visit = (file: string, stack: Set<string>): boolean => {
    const known = cache.get(file);
    if (known !== undefined) return known;
    if (stack.has(file)) return true; // an import cycle: decided by the outer visit
    if (BUNDLED.has(file)) return true;
    const abs = resolveImport(file);
    if (!abs) {
      cache.set(file, false);
      return false;
    }
    stack.add(file);
    let ok = true;
    for (const m of readFileSync(abs, 'utf8').matchAll(/^import\s+(?:public\s+|weak\s+)?"([^"]+)";/gm)) {
      if (!visit(m[1] as string, stack)) ok = false;
    }
    stack.delete(file);
    cache.set(file, ok);
    return ok;
  };
  return (file) => visit(file, new Set());
}

function splitName(fullName: string): { parent: string; name: string } {
  const i = fullName.lastIndexOf('.');
  return { parent: fullName.slice(0, i), name: fullName.slice(i + 1) };
}

const SCALARS = new Set(['double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes']);
const typeRef = (type: string): string => (SCALARS.has(type) ? type : `.${type}`);

/** Adds the allowlisted definitions; throws when one is already in the snapshot (a stale entry) or its parent is missing. */
function addAll(root: protobuf.Root, additions: readonly EnvoyApiAddition[]): void {
  const parentOf = (fullName: string, what: string): protobuf.Type | protobuf.Namespace => {
    const parent = root.lookup(fullName);
    if (!(parent instanceof protobuf.Type || parent instanceof protobuf.Namespace)) throw new Error(`allowlist: ${what}: ${fullName} is not in the snapshot`);
    return parent;
  };
  for (const a of additions) {
    if (a.kind !== 'message') continue;
    if (root.lookup(a.message)) throw new Error(`allowlist: message ${a.message} is already in the snapshot; remove the entry`);
    const { parent, name } = splitName(a.message);
    const type = new protobuf.Type(name);
    for (const [fname, f] of Object.entries(a.fields)) type.add(new protobuf.Field(fname, f.id, typeRef(f.type), f.repeated ? 'repeated' : undefined));
    parentOf(parent, a.message).add(type);
  }
  for (const a of additions) {
    if (a.kind === 'field') {
      const { parent, name } = splitName(a.field);
      const type = root.lookup(parent);
      if (!(type instanceof protobuf.Type)) throw new Error(`allowlist: ${a.field}: message ${parent} is not in the snapshot`);
      if (type.fields[name]) throw new Error(`allowlist: field ${a.field} is already in the snapshot; remove the entry`);
      if (type.fieldsById[a.id]) throw new Error(`allowlist: ${a.field}: number ${a.id} is taken by ${type.fieldsById[a.id]?.name}`);
      type.add(new protobuf.Field(name, a.id, typeRef(a.type), a.repeated ? 'repeated' : undefined));
    } else if (a.kind === 'enumValue') {
      const { parent, name } = splitName(a.value);
      const e = root.lookup(parent);
      if (!(e instanceof protobuf.Enum)) throw new Error(`allowlist: ${a.value}: enum ${parent} is not in the snapshot`);
      if (e.values[name] !== undefined) throw new Error(`allowlist: enum value ${a.value} is already in the snapshot; remove the entry`);
      e.add(name, a.number);
    }
  }
  root.resolveAll();
}

/**
 * Loads every loadable `.proto` of the snapshot's `envoy/` and `xds/`/`udpa/` trees (proto field
 * names kept), then applies `additions`.
 */
export function loadEnvoyApiRoot(additions: readonly EnvoyApiAddition[] = []): EnvoyApiRoot {
  const cache = new Map<string, boolean>();
  const loadable = loadableIn(cache);
  const candidates = [
    ...listProtos(path.join(XDS_DEPS, 'envoy-api', 'envoy'), path.join(XDS_DEPS, 'envoy-api')),
    ...listProtos(path.join(XDS_DEPS, 'xds', 'xds'), path.join(XDS_DEPS, 'xds')),
    ...listProtos(path.join(XDS_DEPS, 'xds', 'udpa'), path.join(XDS_DEPS, 'xds')),
  ];
  const files = candidates.filter(loadable);
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string): string => {
    if (path.isAbsolute(target) && existsSync(target)) return target;
    const found = resolveImport(target);
    if (!found) throw new Error(`cannot resolve import ${target}`);
    return found;
  };
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  addAll(root, additions);
  return { root, skippedFiles: candidates.filter((f) => !cache.get(f)) };
}
