/**
 * Request policy (`policy` globally and `rules[].policy`): which paths and methods are served
 * (404 / 405) and which headers a request must carry (400). Each policy in the list applies;
 * the global one first.
 */
import type { PolicyConfig } from '../config/access-schema.js';
import { globAny } from '../access/glob.js';
import { clientError } from '../error-catalogue.js';
import type { UserFacingError } from '../errors.js';

/** Checks method, path (query ignored) and required headers; returns the first refusal. */
export function checkRequestLine(
  policies: ReadonlyArray<PolicyConfig | undefined>,
  method: string,
  rawPath: string,
  headers: Readonly<Record<string, string>>,
): UserFacingError | undefined {
  const q = rawPath.indexOf('?');
  const path = q < 0 ? rawPath : rawPath.slice(0, q);
  for (const p of policies) {
    if (!p) continue;
    if (p.allowedPaths && !globAny(p.allowedPaths, path)) {
      return clientError('path_not_allowed', { path });
    }
    if (p.allowedMethods && !p.allowedMethods.some((m) => m.toUpperCase() === method.toUpperCase())) {
      return clientError('method_not_allowed', { method });
    }
    for (const h of p.requiredHeaders ?? []) {
      const v = headers[h.toLowerCase()];
      if (v === undefined || v.trim() === '') return clientError('missing_required_header', { header: h });
    }
  }
  return undefined;
}
