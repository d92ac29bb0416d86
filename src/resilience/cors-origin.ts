/**
 * The ext_proc's half of CORS. Envoy's CORS filter answers preflights and adds the response
 * headers from the policy of the virtual host (the global `cors` plus what rules allow): a
 * preflight names no model, so no rule is known yet. Once a request is routed, a rule's own
 * `cors` narrows it: a browser request (it has an `Origin`) whose origin or method the rule does
 * not allow is refused with 403 in the client API's error shape, before it costs a provider call.
 */
import { clientError } from '../error-catalogue.js';
import type { UserFacingError } from '../errors.js';

/** Who may call a rule from a browser. */
export interface OriginPolicy {
  /** Exact origins (`https://app.example.com`), `*`, or `*.example.com`-style suffix patterns. */
  readonly allowOrigins: readonly string[];
  /** Allowed methods (upper case); empty: any. */
  readonly allowMethods: readonly string[];
}

/** True when `origin` matches one of `patterns` (exact, `*`, or a `*.` host suffix with the scheme). */
export function originMatches(origin: string, patterns: readonly string[]): boolean {
  const o = origin.toLowerCase();
  return patterns.some((p) => {
    const q = p.toLowerCase();
    if (q === '*' || q === o) return true;
    const star = q.indexOf('://*.');
    if (star < 0) return false;
    const scheme = q.slice(0, star + 3);
    const suffix = q.slice(star + 4); // ".example.com" (and any port)
    return o.startsWith(scheme) && o.slice(scheme.length).endsWith(suffix) && o.length > scheme.length + suffix.length;
  });
}

/**
 * Checks a routed request against its rule's policy. Undefined when allowed (or not a browser
 * request: no `origin` header); else the 403 to answer.
 */
export function refuseOrigin(headers: Readonly<Record<string, string>>, policy: OriginPolicy | undefined): UserFacingError | undefined {
  const origin = headers['origin'];
  if (!policy || origin === undefined) return undefined;
  if (!originMatches(origin, policy.allowOrigins)) return clientError('origin_not_allowed', { origin });
  const method = (headers[':method'] ?? 'GET').toUpperCase();
  if (policy.allowMethods.length > 0 && !policy.allowMethods.includes(method)) return clientError('origin_not_allowed', { origin, method });
  return undefined;
}

/** The parts of the config the origin policy of a rule comes from. */
export interface CorsSources {
  readonly cors?: { readonly allowOrigins: readonly string[]; readonly allowMethods: readonly string[] } | undefined;
}

/**
 * The origin policy llm-extproc enforces on a request routed to a rule: the rule's own `cors`
 * (its methods default to the global ones), else the global `cors`, else none (no CORS at all).
 */
export function originPolicyOf(config: CorsSources, rule: { readonly cors?: { readonly allowOrigins: readonly string[]; readonly allowMethods?: readonly string[] | undefined } | undefined }): OriginPolicy | undefined {
  if (rule.cors) return { allowOrigins: rule.cors.allowOrigins, allowMethods: rule.cors.allowMethods ?? config.cors?.allowMethods ?? [] };
  return config.cors ? { allowOrigins: config.cors.allowOrigins, allowMethods: config.cors.allowMethods } : undefined;
}
