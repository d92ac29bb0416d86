/**
 * Header changes of a request policy (`requestHeaders`, `responseHeaders`): `add` sets a header
 * (replacing any value), `remove` deletes it. Values may use `${request_id}` (from
 * `x-request-id`), `${model}` and `${rule}`; an unknown fact becomes the empty string.
 */
import type { PolicyConfig } from '../config/access-schema.js';

/** Facts values may use. */
export interface HeaderVars {
  readonly request_id?: string | undefined;
  readonly model?: string | undefined;
  readonly rule?: string | undefined;
}

/** Header changes to apply. */
export interface PolicyHeaderChanges {
  readonly set: Array<readonly [string, string]>;
  readonly remove: string[];
}

/** Fills `${name}` placeholders; CR, LF and NUL are dropped so a value cannot split a header. */
export function expand(template: string, vars: HeaderVars): string {
  return template
    .replace(/\$\{(request_id|model|rule)\}/g, (_m, name: keyof HeaderVars) => vars[name] ?? '')
    .replace(/[\r\n\0]/g, '');
}

/** The changes of `which` header rules of every policy, in order (a later policy wins). */
export function headerChanges(
  policies: ReadonlyArray<PolicyConfig | undefined>,
  which: 'requestHeaders' | 'responseHeaders',
  vars: HeaderVars,
): PolicyHeaderChanges {
  const set = new Map<string, string>();
  const remove = new Set<string>();
  for (const p of policies) {
    const spec = p?.[which];
    if (!spec) continue;
    for (const name of spec.remove ?? []) {
      const n = name.toLowerCase();
      set.delete(n);
      remove.add(n);
    }
    for (const [name, value] of Object.entries(spec.add ?? {})) {
      const n = name.toLowerCase();
      remove.delete(n);
      set.set(n, expand(value, vars));
    }
  }
  return { set: [...set], remove: [...remove] };
}
