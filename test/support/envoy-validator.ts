/**
 * Validates Envoy v3 configs (a bootstrap, or a snippet by its root type) against Envoy's own API
 * definitions — the snapshot inside `@grpc/grpc-js-xds` plus {@link ENVOY_API_ALLOWLIST}-style
 * additions — the way Envoy reads YAML: every key must be a field of its message (proto name or
 * lowerCamelCase JSON name), enums by name (any case) or number, scalars by their JSON forms,
 * `Duration`/wrappers/`Struct`/`Value`/`Any` as protobuf JSON writes them, at most one member of
 * each oneof, every `@type` resolved and its body checked as that type, and the protoc-gen-validate
 * rules Envoy enforces on load (required fields, non-empty strings, bounds). For a bootstrap it
 * also checks that every cluster a route or gRPC service names is defined, as Envoy does for
 * static resources.
 *
 * Each problem carries the YAML path, e.g.
 * `static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.processing_mode.request_body_mode`.
 */
import protobuf from 'protobufjs';
import { LineCounter, parseAllDocuments } from 'yaml';
import { loadEnvoyApiRoot, type EnvoyApiAddition } from './envoy-api-root.js';
import { TIMESTAMP, WRAPPERS, checkScalar, checkScalarRules, describe, editDistance, jsonName, parseDuration, pgvRules, type Rules } from './envoy-json-values.js';

/** One thing wrong with a config. */
export interface Problem {
  /** YAML path of the offending value, e.g. `static_resources.clusters[0].type`. */
  readonly path: string;
  readonly message: string;
  /** 1-based line, when the input was YAML text. */
  readonly line?: number;
  /** `warning` for what Envoy accepts but flags (deprecated fields). */
  readonly severity: 'error' | 'warning';
}

/** Options of {@link validateEnvoyConfig}. */
export interface ValidateOptions {
  /** Definitions newer than the snapshot (see `envoy-api-allowlist.ts`). */
  readonly allowlist?: readonly EnvoyApiAddition[];
  /**
   * What the document is: a message full name (default `envoy.config.bootstrap.v3.Bootstrap`), or
   * for a snippet a map of its top-level keys to message names (`Name[]` for a list).
   */
  readonly root?: string | Readonly<Record<string, string>>;
}

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const NO_ADDITIONS: readonly EnvoyApiAddition[] = [];
const rootCache = new WeakMap<readonly EnvoyApiAddition[], protobuf.Root>();

function apiRoot(additions: readonly EnvoyApiAddition[]): protobuf.Root {
  let root = rootCache.get(additions);
  if (!root) {
    root = loadEnvoyApiRoot(additions).root;
    rootCache.set(additions, root);
  }
  return root;
}

type Segment = string | number;
interface RawProblem {
  readonly segments: readonly Segment[];
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

/** Formats path segments: `a.b[0]["key.with.dots"]`. */
export function formatPath(segments: readonly Segment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_@][\w@]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/** A cluster name used somewhere, for the bootstrap reference check. */
interface ClusterRef {
  readonly name: unknown;
  readonly segments: readonly Segment[];
}

/** Walks one value against the API. */
class Walker {
  readonly problems: RawProblem[] = [];
  readonly clusterRefs: ClusterRef[] = [];
  private readonly fieldIndex = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

  constructor(private readonly root: protobuf.Root) {}

  error(segments: readonly Segment[], message: string): void {
    this.problems.push({ segments, message, severity: 'error' });
  }

  lookupType(name: string): protobuf.Type | undefined {
    try {
      const found = this.root.lookup(name.replace(/^\.?/, '.'));
      return found instanceof protobuf.Type ? found : undefined;
    } catch {
      return undefined;
    }
  }

  private fieldsOf(type: protobuf.Type): Map<string, protobuf.Field> {
    let index = this.fieldIndex.get(type);
    if (!index) {
      index = new Map();
      for (const f of type.fieldsArray) {
        index.set(f.name, f);
        index.set(jsonName(f.name), f);
      }
      this.fieldIndex.set(type, index);
    }
    return index;
  }

  /** Checks `value` as message `type` (well-known types by their JSON form). */
  message(value: unknown, type: protobuf.Type, at: readonly Segment[]): void {
    if (value === null) return;
    const full = type.fullName;
    const scalar = WRAPPERS[full];
    if (scalar) return this.scalar(scalar, value, undefined, at);
    switch (full) {
      case '.google.protobuf.Duration':
        if (parseDuration(value) === undefined) this.error(at, `expected a duration such as "5s" or "0.25s", got ${describe(value)}`);
        return;
      case '.google.protobuf.Timestamp':
        if (typeof value !== 'string' || !TIMESTAMP.test(value)) this.error(at, `expected an RFC 3339 timestamp, got ${describe(value)}`);
        return;
      case '.google.protobuf.FieldMask':
        if (typeof value !== 'string') this.error(at, `expected a field mask string, got ${describe(value)}`);
        return;
      case '.google.protobuf.Value':
        return;
      case '.google.protobuf.Struct':
        if (!isObject(value)) this.error(at, `expected a mapping (Struct), got ${describe(value)}`);
        return;
      case '.google.protobuf.ListValue':
        if (!Array.isArray(value)) this.error(at, `expected a list (ListValue), got ${describe(value)}`);
        return;
      case '.google.protobuf.Empty':
        if (!isObject(value) || Object.keys(value).length > 0) this.error(at, `expected {} (Empty), got ${describe(value)}`);
        return;
      case '.google.protobuf.Any':
        return this.any(value, at);
      default:
    }
    if (!isObject(value)) {
      this.error(at, `expected a mapping (${full.slice(1)}), got ${describe(value)}`);
      return;
    }
    this.fields(value, type, at, new Set());
  }

  /** Checks the keys of `value` as fields of `type`, skipping `skip` (e.g. `@type`). */
  private fields(value: Record<string, unknown>, type: protobuf.Type, at: readonly Segment[], skip: ReadonlySet<string>): void {
    const index = this.fieldsOf(type);
    const seen = new Map<protobuf.Field, string>();
    for (const [key, child] of Object.entries(value)) {
      if (skip.has(key)) continue;
      const field = index.get(key);
      if (!field) {
        this.error([...at, key], `unknown field ${JSON.stringify(key)} in ${type.fullName.slice(1)}${this.hint(key, type)}`);
        continue;
      }
      const previous = seen.get(field);
      if (previous !== undefined) this.error([...at, key], `${JSON.stringify(key)} and ${JSON.stringify(previous)} are the same field`);
      seen.set(field, key);
      if (field.options?.['deprecated'] === true && isSet(child)) {
        this.problems.push({ segments: [...at, key], message: `${field.name} is deprecated in ${type.fullName.slice(1)}`, severity: 'warning' });
      }
      this.field(child, field, [...at, key]);
    }
    const setNames = (fields: readonly protobuf.Field[]): string[] => fields.filter((f) => seen.has(f) && isSet(value[seen.get(f) as string])).map((f) => f.name);
    for (const oneof of type.oneofsArray) {
      const members = setNames(oneof.fieldsArray);
      if (members.length > 1) this.error(at, `only one of ${oneof.fieldsArray.map((f) => f.name).join(', ')} may be set (oneof ${oneof.name}), got ${members.join(' and ')}`);
      if (members.length === 0 && oneof.options?.['(validate.required)'] === true) {
        this.error(at, `one of ${oneof.fieldsArray.map((f) => f.name).join(', ')} is required (oneof ${oneof.name})`);
      }
    }
    // Fields Envoy documents as "only one of" before they become a oneof (field_migrate.oneof_promotion).
    const promoted = new Map<string, protobuf.Field[]>();
    for (const f of type.fieldsArray) {
      const group = f.options?.['(udpa.annotations.field_migrate).oneof_promotion'];
      if (typeof group === 'string') promoted.set(group, [...(promoted.get(group) ?? []), f]);
    }
    for (const [group, fields] of promoted) {
      const members = setNames(fields);
      if (members.length > 1) this.error(at, `only one of ${fields.map((f) => f.name).join(', ')} may be set (${group}), got ${members.join(' and ')}`);
    }
    for (const f of type.fieldsArray) {
      if (f.partOf) continue; // a rule on a oneof member applies only when that member is chosen
      const rules = pgvRules(f.parsedOptions);
      const required = (rules?.['message'] as Rules | undefined)?.['required'] === true || (rules?.['duration'] as Rules | undefined)?.['required'] === true || (rules?.['any'] as Rules | undefined)?.['required'] === true;
      if (required && !(seen.has(f) && isSet(value[seen.get(f) as string]))) this.error([...at, f.name], `missing required field ${f.name} of ${type.fullName.slice(1)}`);
    }
    this.noteClusterRefs(value, type, at);
  }

  private hint(key: string, type: protobuf.Type): string {
    let best: string | undefined;
    let bestDistance = 3;
    for (const f of type.fieldsArray) {
      for (const candidate of [f.name, jsonName(f.name)]) {
        const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
        if (d < bestDistance) [best, bestDistance] = [f.name, d];
      }
    }
    return best ? ` (did you mean ${best}?)` : '';
  }

  /** Checks one field's value: map, list or single. */
  field(value: unknown, field: protobuf.Field, at: readonly Segment[]): void {
    if (value === null) return;
    const rules = pgvRules(field.parsedOptions);
    if (field instanceof protobuf.MapField) {
      if (!isObject(value)) return this.error(at, `expected a mapping (map<${field.keyType}, ${field.type}>), got ${describe(value)}`);
      const minPairs = (rules?.['map'] as Rules | undefined)?.['min_pairs'];
      if (typeof minPairs === 'number' && Object.keys(value).length < minPairs) this.error(at, `needs at least ${minPairs} entries`);
      for (const [k, v] of Object.entries(value)) {
        if (field.keyType !== 'string') {
          const err = checkScalar(field.keyType, /^-?\d+$/.test(k) ? k : k === 'true' || k === 'false' ? k === 'true' : k);
          if (err) this.error([...at, k], `map key: ${err}`);
        }
        this.single(v, field, [...at, k], undefined);
      }
      return;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) return this.error(at, `expected a list of ${field.type}, got ${describe(value)}`);
      const rep = rules?.['repeated'] as Rules | undefined;
      if (typeof rep?.['min_items'] === 'number' && value.length < rep['min_items']) this.error(at, `needs at least ${rep['min_items']} item(s)`);
      if (typeof rep?.['max_items'] === 'number' && value.length > rep['max_items']) this.error(at, `takes at most ${rep['max_items']} items`);
      const itemRules = rep?.['items'] as Rules | undefined;
      value.forEach((item, i) => this.single(item, field, [...at, i], itemRules));
      return;
    }
    this.single(value, field, at, rules);
  }

  private single(value: unknown, field: protobuf.Field, at: readonly Segment[], rules: Rules | undefined): void {
    if (value === null) return;
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) return this.enumValue(value, resolved, at);
    if (resolved instanceof protobuf.Type) {
      const wrapped = WRAPPERS[resolved.fullName];
      if (wrapped) return this.scalar(wrapped, value, rules, at);
      this.message(value, resolved, at);
      if (resolved.fullName === '.google.protobuf.Duration') for (const m of checkScalarRules('duration', value, rules)) this.error(at, m);
      return;
    }
    this.scalar(field.type, value, rules, at);
  }

  private scalar(type: string, value: unknown, rules: Rules | undefined, at: readonly Segment[]): void {
    const err = checkScalar(type, value);
    if (err) return this.error(at, err);
    for (const m of checkScalarRules(type, value, rules)) this.error(at, m);
  }

  private enumValue(value: unknown, e: protobuf.Enum, at: readonly Segment[]): void {
    const names = Object.keys(e.values);
    if (typeof value === 'string') {
      if (names.some((n) => n.toUpperCase() === value.toUpperCase())) return;
      return this.error(at, `${JSON.stringify(value)} is not a value of ${e.fullName.slice(1)} (one of ${names.join(', ')})`);
    }
    if (typeof value === 'number' && Number.isInteger(value)) {
      if (Object.values(e.values).includes(value)) return;
      return this.error(at, `${value} is not a value of ${e.fullName.slice(1)}`);
    }
    this.error(at, `expected a value of ${e.fullName.slice(1)}, got ${describe(value)}`);
  }

  /** `google.protobuf.Any`: `@type` must resolve; the body is checked as that type. */
  private any(value: unknown, at: readonly Segment[]): void {
    if (!isObject(value)) return this.error(at, `expected a mapping with "@type" (Any), got ${describe(value)}`);
    const url = value['@type'];
    if (typeof url !== 'string' || !url.includes('/')) return this.error([...at, '@type'], `Any needs "@type: type.googleapis.com/<full message name>", got ${describe(url)}`);
    const typeName = url.slice(url.lastIndexOf('/') + 1);
    const type = this.lookupType(typeName);
    if (!type) return this.error([...at, '@type'], `unknown type ${JSON.stringify(typeName)} (not in the Envoy API)`);
    const full = type.fullName;
    if (full.startsWith('.google.protobuf.') && full !== '.google.protobuf.Empty') {
      // A well-known type inside Any is written { "@type": ..., "value": <its JSON form> }.
      for (const key of Object.keys(value)) if (key !== '@type' && key !== 'value') this.error([...at, key], `unknown field ${JSON.stringify(key)} (an Any holding ${full.slice(1)} has only "value")`);
      return this.message(value['value'] ?? null, type, [...at, 'value']);
    }
    if (full === '.xds.type.v3.TypedStruct' || full === '.udpa.type.v1.TypedStruct') return this.typedStruct(value, type, at);
    this.fields(value, type, at, new Set(['@type']));
  }

  private typedStruct(value: Record<string, unknown>, type: protobuf.Type, at: readonly Segment[]): void {
    this.fields(value, type, at, new Set(['@type']));
    const inner = value['type_url'] ?? value['typeUrl'];
    if (typeof inner !== 'string') return;
    const innerType = this.lookupType(inner.slice(inner.lastIndexOf('/') + 1));
    if (!innerType) return this.error([...at, 'type_url'], `unknown type ${JSON.stringify(inner)} (not in the Envoy API)`);
    this.message(value['value'] ?? {}, innerType, [...at, 'value']);
  }

  /** Remembers cluster names that routes and gRPC services point at. */
  private noteClusterRefs(value: Record<string, unknown>, type: protobuf.Type, at: readonly Segment[]): void {
    const key =
      type.fullName === '.envoy.config.route.v3.RouteAction' ? 'cluster'
      : type.fullName === '.envoy.config.route.v3.WeightedCluster.ClusterWeight' ? 'name'
      : type.fullName === '.envoy.config.core.v3.GrpcService.EnvoyGrpc' ? 'cluster_name'
      : undefined;
    if (!key) return;
    const own = key in value ? key : jsonName(key) in value ? jsonName(key) : undefined;
    if (own) this.clusterRefs.push({ name: value[own], segments: [...at, own] });
  }
}

/** Cross-references of a static bootstrap: every referenced cluster defined, names unique. */
function checkBootstrapRefs(doc: unknown, walker: Walker): void {
  if (!isObject(doc)) return;
  const staticResources = doc['static_resources'] ?? doc['staticResources'];
  const dynamic = doc['dynamic_resources'] ?? doc['dynamicResources'];
  if (isObject(dynamic) && isSet(dynamic['cds_config'] ?? dynamic['cdsConfig'])) return; // clusters come later over CDS
  const clusters = isObject(staticResources) && Array.isArray(staticResources['clusters']) ? staticResources['clusters'] : [];
  const defined = new Map<string, number>();
  clusters.forEach((c, i) => {
    const name = isObject(c) ? c['name'] : undefined;
    if (typeof name !== 'string') return;
    if (defined.has(name)) walker.error(['static_resources', 'clusters', i, 'name'], `duplicate cluster name ${JSON.stringify(name)} (also clusters[${defined.get(name)}])`);
    else defined.set(name, i);
  });
  for (const ref of walker.clusterRefs) {
    if (typeof ref.name === 'string' && !defined.has(ref.name)) walker.error(ref.segments, `cluster ${JSON.stringify(ref.name)} is not defined in static_resources.clusters`);
  }
}

/** Validates an already parsed value (JSON form of a config) against `options.root`. */
export function validateEnvoyValue(value: unknown, options: ValidateOptions = {}): Problem[] {
  return validateParsed(value, options).map(({ segments, message, severity }) => ({ path: formatPath(segments), message, severity }));
}

function validateParsed(value: unknown, options: ValidateOptions): RawProblem[] {
  const additions = options.allowlist?.length ? options.allowlist : NO_ADDITIONS;
  const walker = new Walker(apiRoot(additions));
  const rootSpec = options.root ?? BOOTSTRAP;
  if (typeof rootSpec === 'string') {
    const type = walker.lookupType(rootSpec);
    if (!type) throw new Error(`unknown root type ${rootSpec}`);
    walker.message(value, type, []);
    if (type.fullName === `.${BOOTSTRAP}`) checkBootstrapRefs(value, walker);
    return walker.problems;
  }
  if (!isObject(value)) {
    walker.error([], `expected a mapping with keys ${Object.keys(rootSpec).join(', ')}, got ${describe(value)}`);
    return walker.problems;
  }
  for (const [key, child] of Object.entries(value)) {
    const spec = rootSpec[key];
    if (!spec) {
      walker.error([key], `unknown top-level key ${JSON.stringify(key)} (expected ${Object.keys(rootSpec).join(', ')})`);
      continue;
    }
    const list = spec.endsWith('[]');
    const type = walker.lookupType(list ? spec.slice(0, -2) : spec);
    if (!type) throw new Error(`unknown root type ${spec}`);
    if (!list) walker.message(child, type, [key]);
    else if (!Array.isArray(child)) walker.error([key], `expected a list of ${spec.slice(0, -2)}, got ${describe(child)}`);
    else child.forEach((item, i) => walker.message(item, type, [key, i]));
  }
  return walker.problems;
}

/**
 * Validates Envoy config YAML (every document in the text). Returns the problems, empty when the
 * config is valid; YAML syntax errors are problems too.
 */
export function validateEnvoyConfig(yamlText: string, options: ValidateOptions = {}): Problem[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(yamlText, { lineCounter, uniqueKeys: true });
  if (!Array.isArray(docs)) return [];
  const out: Problem[] = [];
  docs.forEach((doc, d) => {
    const prefix = docs.length > 1 ? `(document ${d + 1}) ` : '';
    if (doc.errors.length > 0) {
      for (const e of doc.errors) out.push({ path: '', message: `${prefix}YAML: ${e.message.split('\n')[0]}`, line: lineCounter.linePos(e.pos[0]).line, severity: 'error' });
      return;
    }
    for (const p of validateParsed(doc.toJS(), options)) {
      let line: number | undefined;
      for (let n = p.segments.length; n >= 0 && line === undefined; n--) {
        const node = doc.getIn(p.segments.slice(0, n), true) as { range?: [number, number, number] } | undefined;
        if (node?.range) line = lineCounter.linePos(node.range[0]).line;
      }
      const problem = { path: formatPath(p.segments), message: `${prefix}${p.message}`, severity: p.severity };
      out.push(line === undefined ? problem : { ...problem, line });
    }
  });
  return out;
}
