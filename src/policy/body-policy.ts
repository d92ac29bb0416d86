/**
 * Body rules of a request policy, read with the validating top-level scan (no full parse):
 * `allowedValues` (400 `value_not_allowed`), `maximums` (400 `value_too_large`, or
 * `invalid_value` for a non-number) and `forbiddenFields` (403 `field_forbidden`).
 */
import type { PolicyConfig } from '../config/access-schema.js';
import { scanTopLevel } from '../apis/json-scan.js';
import { clientError } from '../error-catalogue.js';
import type { UserFacingError } from '../errors.js';

type BodyRules = NonNullable<PolicyConfig['body']>;

/** The fields the rules read. */
function fieldsOf(rules: readonly BodyRules[]): Set<string> {
  const keys = new Set<string>();
  for (const r of rules) {
    for (const k of Object.keys(r.allowedValues ?? {})) keys.add(k);
    for (const k of Object.keys(r.maximums ?? {})) keys.add(k);
    for (const k of r.forbiddenFields ?? []) keys.add(k);
  }
  return keys;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Checks a JSON body against the body rules of `policies`; returns the first refusal. A body that
 * is not a JSON object (multipart audio, for instance) has no fields to check.
 */
export function checkBody(policies: ReadonlyArray<PolicyConfig | undefined>, body: Buffer | undefined): UserFacingError | undefined {
  const rules = policies.map((p) => p?.body).filter((b): b is BodyRules => b !== undefined);
  if (rules.length === 0 || !body || body.length === 0) return undefined;
  const keys = fieldsOf(rules);
  if (keys.size === 0) return undefined;
  const scan = scanTopLevel(body, keys);
  if (!scan.ok) return undefined;
  const values = scan.values;
  for (const r of rules) {
    for (const field of r.forbiddenFields ?? []) {
      if (values.has(field)) return clientError('field_forbidden', { field });
    }
    for (const [field, allowed] of Object.entries(r.allowedValues ?? {})) {
      if (!values.has(field)) continue;
      const v = values.get(field);
      if (!allowed.some((a) => sameJson(a, v))) {
        return clientError('value_not_allowed', { field, allowed });
      }
    }
    for (const [field, max] of Object.entries(r.maximums ?? {})) {
      if (!values.has(field)) continue;
      const v = values.get(field);
      if (typeof v !== 'number') return clientError('invalid_value', { field });
      if (v > max) return clientError('value_too_large', { field, max });
    }
  }
  return undefined;
}
