/**
 * How Envoy reads scalar values, well-known types and protoc-gen-validate rules from YAML: Envoy
 * turns YAML into JSON and parses it with protobuf's JSON parser (proto field names or their
 * lowerCamelCase JSON names, enum names case-insensitively, 64-bit integers as numbers or
 * strings, `Duration` as `"1.5s"`, wrappers as plain scalars), then runs the PGV rules.
 */

/** Wrapper types, read as the plain scalar they wrap. */
export const WRAPPERS: Readonly<Record<string, string>> = {
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
};

const INT_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

/**
 * Checks a scalar as protobuf's JSON parser reads it. Returns an error message, or undefined when
 * the value is acceptable.
 */
export function checkScalar(type: string, value: unknown): string | undefined {
  const range = INT_RANGES[type];
  if (range) {
    let n: bigint;
    if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value);
    else if (typeof value === 'string' && /^-?\d+$/.test(value)) n = BigInt(value);
    else return `expected an integer (${type}), got ${describe(value)}`;
    if (n < range[0] || n > range[1]) return `${String(value)} is out of range for ${type}`;
    return undefined;
  }
  switch (type) {
    case 'double':
    case 'float':
      if (typeof value === 'number') return undefined;
      if (typeof value === 'string' && (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value) || ['NaN', 'Infinity', '-Infinity'].includes(value))) return undefined;
      return `expected a number (${type}), got ${describe(value)}`;
    case 'bool':
      return typeof value === 'boolean' ? undefined : `expected true or false, got ${describe(value)}`;
    case 'string':
      return typeof value === 'string' ? undefined : `expected a string, got ${describe(value)} (quote it)`;
    case 'bytes':
      return typeof value === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value) ? undefined : `expected base64 bytes, got ${describe(value)}`;
    default:
      return `unknown scalar type ${type}`;
  }
}

/** A short description of a JSON value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Parses a protobuf JSON Duration (`"5s"`, `"0.25s"`, `"-1.5s"`) to seconds; undefined when malformed. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(value);
  if (!m) return undefined;
  const seconds = Number(m[2]) + (m[3] ? Number(`0.${m[3]}`) : 0);
  if (seconds > 315_576_000_000) return undefined;
  return m[1] ? -seconds : seconds;
}

/** RFC 3339 timestamp as protobuf JSON writes it. */
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** A protoc-gen-validate rule set of one field, merged from its options. */
export type Rules = Record<string, unknown>;

/** Merges a field's `(validate.rules)` options into one object (`{ string: { min_len: 1 } }`). */
export function pgvRules(parsedOptions: unknown): Rules | undefined {
  if (!Array.isArray(parsedOptions)) return undefined;
  let merged: Rules | undefined;
  const merge = (into: Rules, from: Rules): void => {
    for (const [k, v] of Object.entries(from)) {
      const existing = into[k];
      if (v && typeof v === 'object' && !Array.isArray(v) && existing && typeof existing === 'object' && !Array.isArray(existing)) merge(existing as Rules, v as Rules);
      else into[k] = v;
    }
  };
  for (const entry of parsedOptions as Array<Record<string, unknown>>) {
    const rules = entry['(validate.rules)'];
    if (rules && typeof rules === 'object') merge((merged ??= {}), rules as Rules);
  }
  return merged;
}

const asNumber = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : undefined);
const durationSeconds = (d: unknown): number | undefined => {
  if (d === undefined) return undefined;
  if (d === null || typeof d !== 'object') return 0;
  const o = d as { seconds?: unknown; nanos?: unknown };
  return (asNumber(o.seconds) ?? 0) + (asNumber(o.nanos) ?? 0) / 1e9;
};

function bounds(value: number, rule: Record<string, unknown>, toNumber: (v: unknown) => number | undefined, show: (n: number) => string): string | undefined {
  const gt = toNumber(rule['gt']);
  const gte = toNumber(rule['gte']);
  const lt = toNumber(rule['lt']);
  const lte = toNumber(rule['lte']);
  const konst = toNumber(rule['const']);
  if (gt !== undefined && !(value > gt)) return `must be greater than ${show(gt)}`;
  if (gte !== undefined && !(value >= gte)) return `must be at least ${show(gte)}`;
  if (lt !== undefined && !(value < lt)) return `must be less than ${show(lt)}`;
  if (lte !== undefined && !(value <= lte)) return `must be at most ${show(lte)}`;
  if (konst !== undefined && value !== konst) return `must be ${show(konst)}`;
  return undefined;
}

const HEADER_NAME = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
const HEADER_VALUE_FORBIDDEN = /[\0\r\n]/; // NUL, CR, LF

/** Checks one scalar against its PGV rules (numbers, strings, durations). Returns messages. */
export function checkScalarRules(kind: string, value: unknown, rules: Rules | undefined): string[] {
  if (!rules) return [];
  const out: string[] = [];
  const numeric = ['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'double', 'float'];
  if (numeric.includes(kind)) {
    const rule = rules[kind] as Record<string, unknown> | undefined;
    const n = asNumber(value);
    if (rule && n !== undefined) {
      const msg = bounds(n, rule, asNumber, String);
      if (msg) out.push(msg);
    }
  } else if (kind === 'string' && typeof value === 'string') {
    const rule = rules['string'] as Record<string, unknown> | undefined;
    if (rule) {
      const minLen = asNumber(rule['min_len']) ?? asNumber(rule['min_bytes']);
      const maxLen = asNumber(rule['max_len']) ?? asNumber(rule['max_bytes']);
      if (minLen !== undefined && [...value].length < minLen) out.push(minLen === 1 ? 'must not be empty' : `must be at least ${minLen} characters`);
      if (maxLen !== undefined && [...value].length > maxLen) out.push(`must be at most ${maxLen} characters`);
      if (rule['well_known_regex'] === 'HTTP_HEADER_NAME' && value !== '' && !HEADER_NAME.test(value)) out.push(`${JSON.stringify(value)} is not a valid HTTP header name`);
      if (rule['well_known_regex'] === 'HTTP_HEADER_VALUE' && HEADER_VALUE_FORBIDDEN.test(value)) out.push('HTTP header values cannot contain NUL, CR or LF');
      if (Array.isArray(rule['in']) && !rule['in'].includes(value)) out.push(`must be one of ${rule['in'].join(', ')}`);
    }
  } else if (kind === 'duration') {
    const rule = rules['duration'] as Record<string, unknown> | undefined;
    const seconds = parseDuration(value);
    if (rule && seconds !== undefined) {
      const msg = bounds(seconds, rule, durationSeconds, (n) => `${n}s`);
      if (msg) out.push(msg);
    }
  }
  return out;
}

/** lowerCamelCase JSON name of a proto field name, as protoc derives it. */
export function jsonName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_v, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j] as number;
      prev[j] = Math.min(above + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = above;
    }
  }
  return prev[b.length] as number;
}
