/**
 * CORS in the generated Envoy config: Envoy's CORS filter, placed before ext_proc, answers
 * preflights itself (they never reach llm-extproc or a provider) and adds the CORS response
 * headers, from the policy on the virtual host. A preflight names no model, so no rule is known
 * when it is answered: the virtual host allows the global `cors` plus what every rule's own `cors`
 * allows, and llm-extproc narrows a routed request to its rule's origins
 * (src/resilience/cors-origin.ts). A preflight from an origin no policy allows is answered by
 * Envoy without CORS headers (not forwarded), so the browser refuses the call.
 */
import type { Config } from '../config/schema.js';

type Json = Record<string, unknown>;

/** The CORS HTTP filter's name (also its key in `typed_per_filter_config`). */
export const CORS_FILTER = 'envoy.filters.http.cors';

/** True when CORS is configured (globally or on a rule). */
export function corsEnabled(config: Config): boolean {
  return config.cors !== undefined || config.rules.some((r) => r.cors !== undefined);
}

/** The CORS HTTP filter (its policy comes from the virtual host). */
export function corsFilter(): Json {
  return { name: CORS_FILTER, typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } };
}

/** An origin pattern as an Envoy string matcher: exact, or a `*.` host suffix as a safe regex. */
function originMatcher(origin: string): Json {
  if (origin === '*') return { prefix: '' };
  const star = origin.indexOf('://*.');
  if (star < 0) return { exact: origin, ignore_case: true };
  const scheme = origin.slice(0, star + 3).replace(/[.+]/g, '\\$&');
  const suffix = origin.slice(star + 4).replace(/[.+]/g, '\\$&');
  return { safe_regex: { regex: `(?i)${scheme}[^/]+${suffix}` } };
}

const union = (lists: ReadonlyArray<readonly string[] | undefined>): string[] => [...new Set(lists.flatMap((l) => l ?? []))];

/** The virtual host's CORS policy (`envoy.extensions.filters.http.cors.v3.CorsPolicy`), or undefined. */
export function virtualHostCors(config: Config): Json | undefined {
  if (!corsEnabled(config)) return undefined;
  const g = config.cors;
  const rules = config.rules.map((r) => r.cors).filter((c) => c !== undefined);
  const origins = union([g?.allowOrigins, ...rules.map((r) => r.allowOrigins)]);
  const methods = union([g?.allowMethods ?? ['GET', 'POST', 'OPTIONS'], ...rules.map((r) => r.allowMethods)]);
  const headers = union([g?.allowHeaders ?? ['authorization', 'content-type'], ...rules.map((r) => r.allowHeaders)]);
  return {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
    allow_origin_string_match: origins.map(originMatcher),
    allow_methods: methods.join(','),
    allow_headers: headers.join(','),
    ...(g && g.exposeHeaders.length > 0 ? { expose_headers: g.exposeHeaders.join(',') } : {}),
    max_age: String(g?.maxAgeSeconds ?? 600),
    allow_credentials: g?.allowCredentials ?? false,
    forward_not_matching_preflights: false,
  };
}
