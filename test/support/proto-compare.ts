/**
 * Structural comparison of two protobufjs roots: ours (`protos/`) against Envoy's upstream
 * definitions. Everything that decides the bytes on the wire is compared — field numbers, resolved
 * types, labels, oneof membership, enum values, service methods — and nothing else (comments,
 * options such as validation rules, and file layout do not change the wire).
 */
import protobuf from 'protobufjs';

/**
 * Something we declare that the upstream snapshot does not have yet, because Envoy added it
 * after the snapshot was taken. Each entry states exactly what we expect, so a wrong number in a
 * newer field is still caught here (and again by the byte fixtures).
 */
export type AllowlistEntry =
  | {
      readonly kind: 'message';
      /** Full name without the leading dot, e.g. `envoy.service.ext_proc.v3.StreamedBodyResponse`. */
      readonly fullName: string;
      /** Every field of the message, name → number. */
      readonly fields: Readonly<Record<string, number>>;
      /** Envoy release that added it. */
      readonly since: string;
    }
  | {
      readonly kind: 'field';
      /** `<message full name>.<field name>`. */
      readonly fullName: string;
      readonly id: number;
      /** Name of the oneof the field belongs to, when it does. */
      readonly oneof?: string;
      readonly since: string;
    }
  | {
      readonly kind: 'enumValue';
      /** `<enum full name>.<value name>`. */
      readonly fullName: string;
      readonly value: number;
      readonly since: string;
    };

/** Namespaces that are not ours to check (the protobuf well-known types). */
const SKIPPED_NAMESPACES = new Set(['google']);

/** Full name of a reflection object without the leading dot. */
function nameOf(object: protobuf.ReflectionObject): string {
  return object.fullName.replace(/^\./, '');
}

/**
 * Lists every message, enum and service declared in `root` (recursively, nested types included),
 * except the `google.*` namespace, in declaration order.
 */
export function declaredTypes(root: protobuf.Root): Array<protobuf.Type | protobuf.Enum | protobuf.Service> {
  const found: Array<protobuf.Type | protobuf.Enum | protobuf.Service> = [];
  const visit = (namespace: protobuf.NamespaceBase): void => {
    for (const nested of namespace.nestedArray) {
      if (namespace === root && SKIPPED_NAMESPACES.has(nested.name)) continue;
      if (nested instanceof protobuf.Type || nested instanceof protobuf.Enum || nested instanceof protobuf.Service) {
        found.push(nested);
      }
      // Types and services are namespaces too: nested messages and enums live inside them.
      if (nested instanceof protobuf.Namespace) visit(nested);
    }
  };
  visit(root);
  return found;
}

/** How the field is laid out on the wire apart from its number and type. */
function labelOf(field: protobuf.Field): string {
  if (field.map) return `map<${(field as unknown as protobuf.MapField).keyType}>`;
  if (field.repeated) {
    // Only numeric scalars and enums can be packed; protobufjs reports `packed` for any proto3
    // repeated field, messages and strings included.
    field.resolve();
    const packable =
      field.resolvedType instanceof protobuf.Enum ||
      (protobuf.types.packed as Record<string, unknown>)[field.type] !== undefined;
    return packable && field.packed ? 'repeated (packed)' : 'repeated';
  }
  if (field.options?.['proto3_optional'] === true) return 'optional (proto3)';
  if (field.required) return 'required';
  return 'singular';
}

/** Resolved full type name of a field's value (scalar name for scalars). */
function typeOf(field: protobuf.Field): string {
  field.resolve();
  return field.resolvedType ? nameOf(field.resolvedType) : field.type;
}

/** The oneof a field belongs to, or `-` when none. */
function oneofOf(field: protobuf.Field): string {
  return field.partOf ? field.partOf.name : '-';
}

/** The object of exactly this full name (protobufjs' lookup also searches nested scopes). */
function lookup(root: protobuf.Root, fullName: string): protobuf.ReflectionObject | null {
  const found = root.lookup(`.${fullName}`);
  return found && nameOf(found) === fullName ? found : null;
}

/** Compares one field present on both sides. */
function compareField(where: string, ours: protobuf.Field, upstream: protobuf.Field, problems: string[]): void {
  const checks: Array<[string, string | number, string | number]> = [
    ['number', ours.id, upstream.id],
    ['type', typeOf(ours), typeOf(upstream)],
    ['label', labelOf(ours), labelOf(upstream)],
    ['oneof', oneofOf(ours), oneofOf(upstream)],
  ];
  for (const [what, mine, theirs] of checks) {
    if (mine !== theirs) problems.push(`${where}: ${what} is ${mine}, upstream has ${theirs}`);
  }
}

class Checker {
  readonly problems: string[] = [];
  private readonly used = new Set<AllowlistEntry>();

  constructor(
    private readonly upstream: protobuf.Root,
    private readonly allowlist: readonly AllowlistEntry[],
  ) {}

  private allowed(kind: AllowlistEntry['kind'], fullName: string): AllowlistEntry | undefined {
    const entry = this.allowlist.find((e) => e.kind === kind && e.fullName === fullName);
    if (entry) this.used.add(entry);
    return entry;
  }

  message(ours: protobuf.Type): void {
    const name = nameOf(ours);
    const upstream = lookup(this.upstream, name);
    if (!(upstream instanceof protobuf.Type)) {
      this.newMessage(ours, name);
      return;
    }
    for (const field of ours.fieldsArray) {
      const where = `${name}.${field.name}`;
      const theirs = upstream.fields[field.name];
      if (theirs) {
        compareField(where, field, theirs, this.problems);
        continue;
      }
      const byNumber = upstream.fieldsArray.find((f) => f.id === field.id);
      const entry = this.allowed('field', where);
      if (!entry || entry.kind !== 'field') {
        this.problems.push(
          byNumber
            ? `${where} = ${field.id}: upstream calls number ${field.id} "${byNumber.name}"`
            : `${where} = ${field.id}: not upstream and not on the allowlist`,
        );
        continue;
      }
      if (entry.id !== field.id) this.problems.push(`${where}: number is ${field.id}, allowlist says ${entry.id}`);
      if ((entry.oneof ?? '-') !== oneofOf(field)) {
        this.problems.push(`${where}: oneof is ${oneofOf(field)}, allowlist says ${entry.oneof ?? '-'}`);
      }
      if (byNumber) this.problems.push(`${where} = ${field.id}: upstream already uses that number for "${byNumber.name}"`);
    }
    for (const theirs of upstream.fieldsArray) {
      if (!ours.fields[theirs.name]) this.problems.push(`${name}.${theirs.name} = ${theirs.id}: upstream field missing from ours`);
    }
  }

  private newMessage(ours: protobuf.Type, name: string): void {
    const entry = this.allowed('message', name);
    if (!entry || entry.kind !== 'message') {
      this.problems.push(`${name}: message not upstream and not on the allowlist`);
      return;
    }
    const mine = Object.fromEntries(ours.fieldsArray.map((f) => [f.name, f.id]));
    const expected = JSON.stringify(Object.entries(entry.fields).sort());
    const actual = JSON.stringify(Object.entries(mine).sort());
    if (expected !== actual) this.problems.push(`${name}: fields are ${actual}, allowlist says ${expected}`);
  }

  enumeration(ours: protobuf.Enum): void {
    const name = nameOf(ours);
    const upstream = lookup(this.upstream, name);
    if (!(upstream instanceof protobuf.Enum)) {
      this.problems.push(`${name}: enum not upstream`);
      return;
    }
    for (const [valueName, value] of Object.entries(ours.values)) {
      const where = `${name}.${valueName}`;
      const theirs = upstream.values[valueName];
      if (theirs !== undefined) {
        if (theirs !== value) this.problems.push(`${where}: value is ${value}, upstream has ${theirs}`);
        continue;
      }
      const entry = this.allowed('enumValue', where);
      if (!entry || entry.kind !== 'enumValue') {
        this.problems.push(`${where} = ${value}: not upstream and not on the allowlist`);
      } else if (entry.value !== value) {
        this.problems.push(`${where}: value is ${value}, allowlist says ${entry.value}`);
      }
    }
    for (const [valueName, value] of Object.entries(upstream.values)) {
      if (ours.values[valueName] === undefined) this.problems.push(`${name}.${valueName} = ${value}: upstream value missing from ours`);
    }
  }

  service(ours: protobuf.Service): void {
    const name = nameOf(ours);
    const upstream = lookup(this.upstream, name);
    if (!(upstream instanceof protobuf.Service)) {
      this.problems.push(`${name}: service not upstream`);
      return;
    }
    for (const method of ours.methodsArray) {
      const theirs = upstream.methods[method.name];
      if (!theirs) {
        this.problems.push(`${name}.${method.name}: method not upstream`);
        continue;
      }
      const shape = (m: protobuf.Method): string => {
        m.resolve();
        const req = m.resolvedRequestType ? nameOf(m.resolvedRequestType) : m.requestType;
        const res = m.resolvedResponseType ? nameOf(m.resolvedResponseType) : m.responseType;
        return `(${m.requestStream ? 'stream ' : ''}${req}) returns (${m.responseStream ? 'stream ' : ''}${res})`;
      };
      if (shape(method) !== shape(theirs)) {
        this.problems.push(`${name}.${method.name}: ${shape(method)}, upstream ${shape(theirs)}`);
      }
    }
  }

  unusedAllowlistEntries(): void {
    for (const entry of this.allowlist) {
      if (!this.used.has(entry)) {
        this.problems.push(`allowlist entry ${entry.kind} ${entry.fullName} matched nothing (now upstream, or gone from ours)`);
      }
    }
  }
}

/**
 * Compares every message, enum and service we declare (except `google.*`) with the upstream type
 * of the same full name and returns one human-readable line per difference; an empty array means
 * the two are wire-identical. Anything of ours that upstream lacks must match an allowlist entry
 * exactly, and allowlist entries that matched nothing are reported too, so the list stays short.
 */
export function compareProtoRoots(
  ours: protobuf.Root,
  upstream: protobuf.Root,
  allowlist: readonly AllowlistEntry[],
): string[] {
  const checker = new Checker(upstream, allowlist);
  for (const declared of declaredTypes(ours)) {
    if (declared instanceof protobuf.Type) checker.message(declared);
    else if (declared instanceof protobuf.Enum) checker.enumeration(declared);
    else checker.service(declared);
  }
  checker.unusedAllowlistEntries();
  return checker.problems;
}
