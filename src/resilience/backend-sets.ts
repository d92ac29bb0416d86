/**
 * How the ext_proc makes Envoy skip backends whose breaker is open, with Envoy's own route table.
 *
 * A failover rule (backends in priority order) becomes one Envoy cluster whose endpoints are the
 * rule's backends at their priorities. Each endpoint is tagged (subset load balancer metadata,
 * `list_as_any`) with every *surviving set* it belongs to: a set is a non-empty, proper subset of
 * the rule's backends, named by the backend names joined with `,` in priority order. The route
 * table holds, before the rule's own route, one variant per set matching the route header (the
 * rule name) **and** {@link BACKENDS_HEADER} = the set's name, with `metadata_match` on it — so
 * that variant balances, retries and fails over only across the set's endpoints.
 *
 * While every backend is available the ext_proc writes no {@link BACKENDS_HEADER} and the rule's
 * own route serves; when some are open it writes the name of the set that remains. Variants
 * exist for rules of up to {@link MAX_SKIP_BACKENDS} backends (2^n − 2 sets); larger rules are
 * not narrowed (Envoy's outlier detection still ejects failing hosts).
 */

/** Request header naming the surviving backend set (written by llm-extproc only). */
export const BACKENDS_HEADER = 'x-llm-extproc-backends';

/** Endpoint metadata key (in `envoy.lb`) listing the sets an endpoint belongs to. */
export const SET_METADATA_KEY = 'llm_extproc_sets';

/** Rules with more backends than this get no skip variants. */
export const MAX_SKIP_BACKENDS = 4;

/** The name of a set of backends (their names, in the rule's priority order, joined with `,`). */
export function setName(backends: readonly string[]): string {
  return backends.join(',');
}

/**
 * Every surviving set of a rule: each non-empty proper subset of `backends` (names in priority
 * order), larger sets first. Empty when the rule has fewer than 2 or more than
 * {@link MAX_SKIP_BACKENDS} backends.
 */
export function survivingSets(backends: readonly string[]): string[][] {
  const n = backends.length;
  if (n < 2 || n > MAX_SKIP_BACKENDS) return [];
  const out: string[][] = [];
  for (let mask = (1 << n) - 2; mask >= 1; mask--) {
    out.push(backends.filter((_, i) => (mask & (1 << (n - 1 - i))) !== 0));
  }
  return out.sort((a, b) => b.length - a.length);
}

/** The set names an endpoint of `backend` is tagged with. */
export function setsOf(backend: string, backends: readonly string[]): string[] {
  return survivingSets(backends)
    .filter((set) => set.includes(backend))
    .map(setName);
}
