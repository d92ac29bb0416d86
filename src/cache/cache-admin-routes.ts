/**
 * The response cache's routes of the admin API (src/admin/admin-api.ts):
 * `GET /admin/cache/stats` and `POST /admin/cache/purge` (by project, model or rule).
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { AdminApiError, parseInput, readJson, type AdminApiContext, type AdminApiRoute } from '../admin/admin-api.js';
import { adminError } from '../error-catalogue.js';
import type { ResponseCache } from './response-cache.js';

/** What the cache routes need. */
export interface CacheAdminRoutesDeps {
  /** The process's cache now; undefined while no config caches anything. */
  cache(): ResponseCache | undefined;
  readonly logger: Logger;
}

const purgeSchema = z.strictObject({
  project: z.string().optional(),
  model: z.string().min(1).optional(),
  rule: z.string().min(1).optional(),
});

type Handler = (cache: ResponseCache, ctx: AdminApiContext) => Promise<readonly [number, unknown]>;

const ROUTE_TABLE: ReadonlyArray<{ method: 'GET' | 'POST'; path: string; handle: Handler }> = [
  {
    method: 'GET',
    path: '/admin/cache/stats',
    handle: async (cache) => [200, { store: cache.store.kind, ...(await cache.stats()) }],
  },
  {
    method: 'POST',
    path: '/admin/cache/purge',
    handle: async (cache, { req }) => {
      const filter = parseInput(purgeSchema, await readJson(req), (e) => `purge takes { project?, model?, rule? }: ${e.issues.map((i) => i.message).join('; ')}`);
      return [200, { purged: await cache.purge(filter) }];
    },
  },
];

/** Method and path of every cache route (the OpenAPI test checks them against the description). */
export const CACHE_ADMIN_ROUTES: ReadonlyArray<Pick<AdminApiRoute, 'method' | 'path'>> = ROUTE_TABLE.map(({ method, path }) => ({ method, path }));

/** The cache routes. */
export function cacheAdminRoutes(deps: CacheAdminRoutesDeps): AdminApiRoute[] {
  return ROUTE_TABLE.map(({ method, path, handle }) => ({
    method,
    path,
    async handle(ctx) {
      const cache = deps.cache();
      if (!cache) throw new AdminApiError(adminError('cache_disabled'));
      try {
        return await handle(cache, ctx);
      } catch (err) {
        if (err instanceof AdminApiError) throw err;
        deps.logger.error({ err, path }, 'response cache store failed');
        throw new AdminApiError(adminError('store_unavailable', { store: 'response cache' }));
      }
    },
  }));
}
