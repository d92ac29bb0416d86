/**
 * The harness's route table: the stand-in for Envoy's route configuration, matched on request
 * headers (exact value of one header), in order, with an optional default.
 */
import { getHeader } from './headers.js';
import type { HeaderList } from './wire.js';

/** One route: requests whose `header` equals `value` go to the upstream named `upstream`. */
export interface Route {
  readonly header: string;
  readonly value: string;
  readonly upstream: string;
}

/** Upstream name for the first matching route, else the default, else null (no route). */
export function matchRoute(routes: readonly Route[], fallback: string | undefined, headers: HeaderList): string | null {
  for (const route of routes) if (getHeader(headers, route.header) === route.value) return route.upstream;
  return fallback ?? null;
}
