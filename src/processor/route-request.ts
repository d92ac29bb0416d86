/**
 * The `RouteRequest` a router receives: request facts plus the body parsed as JSON on first
 * use only (most routers never ask).
 */
import type { RouteRequest } from '../routing/router.js';

/** Builds a RouteRequest whose `body()` parses lazily, once; a body that is not JSON reads as undefined. */
export function lazyRouteRequest(facts: Omit<RouteRequest, 'body'>, body: Buffer | undefined): RouteRequest {
  let parsed: { value: unknown } | undefined;
  return {
    ...facts,
    body: () => {
      if (!parsed) {
        try {
          parsed = { value: body && body.length > 0 ? JSON.parse(body.toString('utf8')) : undefined };
        } catch {
          parsed = { value: undefined };
        }
      }
      return parsed.value;
    },
  };
}
