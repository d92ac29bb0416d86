/**
 * The harness's route table: the stand-in for Envoy's route configuration, matched on request
 * headers (exact value of one header), in order, with an optional default.
 */
import { getHeader } from './headers.js';
import type { AttemptPlan } from './upstream-attempts.js';
import type { HeaderList } from './wire.js';

/**
 * One route: requests whose `header` equals `value` (and every extra header in `also`) go to the
 * upstream named `upstream`, or, with `attempts`, through Envoy's retry loop over a failover
 * cluster with the upstream-level filter (see upstream-attempts.ts).
 */
export interface Route {
  readonly header: string;
  readonly value: string;
  readonly upstream: string;
  readonly also?: ReadonlyArray<readonly [string, string]>;
  readonly attempts?: AttemptPlan;
}

/** The first matching route. */
export function findRoute(routes: readonly Route[], headers: HeaderList): Route | undefined {
  return routes.find((r) => getHeader(headers, r.header) === r.value && (r.also ?? []).every(([k, v]) => getHeader(headers, k) === v));
}

/** Upstream name for the first matching route, else the default, else null (no route). */
export function matchRoute(routes: readonly Route[], fallback: string | undefined, headers: HeaderList): string | null {
  return findRoute(routes, headers)?.upstream ?? fallback ?? null;
}
