/**
 * The usage and trace routes of the admin API (`/admin/usage/summary`,
 * `/admin/usage/timeseries`, `/admin/traces`, `/admin/traces/{id}`), registered with the admin
 * API (src/admin/admin-api.ts) and read from the ledger's database.
 */
import type { Logger } from 'pino';
import { AdminApiError, notFound, type AdminApiRoute } from '../admin/admin-api.js';
import { adminError } from '../error-catalogue.js';
import type { SqlDb } from '../storage/sql-db.js';
import { traceRoute, tracesRoute, usageSummaryRoute, usageTimeseriesRoute, UsageQueryError } from './usage-routes.js';

/** What the usage routes need. */
export interface UsageAdminRoutesDeps {
  /** The database the ledger writes (opened on first use). */
  db(): Promise<SqlDb>;
  readonly logger: Logger;
}

type Handler = (db: SqlDb, url: URL, params: Readonly<Record<string, string>>, now: number) => Promise<readonly [number, unknown]>;

const ROUTE_TABLE: ReadonlyArray<{ method: 'GET'; path: string; handle: Handler }> = [
  { method: 'GET', path: '/admin/usage/summary', handle: (db, url, _p, now) => usageSummaryRoute(db, url, now) },
  { method: 'GET', path: '/admin/usage/timeseries', handle: (db, url, _p, now) => usageTimeseriesRoute(db, url, now) },
  { method: 'GET', path: '/admin/traces', handle: (db, url, _p, now) => tracesRoute(db, url, now) },
  {
    method: 'GET',
    path: '/admin/traces/{id}',
    handle: async (db, url, params) => {
      const found = await traceRoute(db, params['id']!, url);
      if (!found) throw notFound(`trace ${params['id']}`);
      return found;
    },
  },
];

/** Method and path of every usage route (the OpenAPI test checks them against the description). */
export const USAGE_ADMIN_ROUTES: ReadonlyArray<Pick<AdminApiRoute, 'method' | 'path'>> = ROUTE_TABLE.map(({ method, path }) => ({ method, path }));

/** The usage routes. */
export function usageAdminRoutes(deps: UsageAdminRoutesDeps): AdminApiRoute[] {
  return ROUTE_TABLE.map(({ method, path, handle }) => ({
    method,
    path,
    async handle({ url, params, now }) {
      let db: SqlDb;
      try {
        db = await deps.db();
      } catch (err) {
        deps.logger.error({ err }, 'access store unavailable');
        throw new AdminApiError(adminError('store_unavailable'));
      }
      try {
        return await handle(db, url, params, now);
      } catch (err) {
        if (err instanceof UsageQueryError) throw new AdminApiError(adminError('invalid_request', { reason: err.message }));
        throw err;
      }
    },
  }));
}
