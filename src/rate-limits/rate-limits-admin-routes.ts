/**
 * `GET /admin/rate-limits` on the admin API: every configured limit with its current usage for
 * the subject the query names (`key`, `project`, `model`, `rule`; a limit counted per a fact the
 * query lacks shows no usage).
 */
import { AdminApiError, type AdminApiRoute } from '../admin/admin-api.js';
import type { Config } from '../config/schema.js';
import { adminError } from '../error-catalogue.js';
import type { CounterStore } from './counter-store.js';
import { counterKey, subjectOf } from './rate-limits-hook.js';
import { estimate } from './sliding-window.js';
import { CounterStoreError } from './counter-store.js';

/** What the route needs. */
export interface RateLimitRoutesDeps {
  readonly store: CounterStore;
  /** The config serving now. */
  config(): Config | undefined;
  /** The clock of the windows (the hook's); default the request time. */
  readonly now?: () => number;
}

/** Method and path of every rate-limit route (the OpenAPI test checks them against the description). */
export const RATE_LIMIT_ADMIN_ROUTES: ReadonlyArray<Pick<AdminApiRoute, 'method' | 'path'>> = [{ method: 'GET', path: '/admin/rate-limits' }];

/** The rate-limit routes. */
export function rateLimitAdminRoutes(deps: RateLimitRoutesDeps): AdminApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/admin/rate-limits',
      async handle({ url, now: requestTime }) {
        const now = deps.now ? deps.now() : requestTime;
        const q = url.searchParams;
        const facts = { key: q.get('key') ?? undefined, project: q.get('project') ?? undefined, model: q.get('model') ?? undefined, rule: q.get('rule') ?? undefined };
        const limits = deps.config()?.rateLimits.limits ?? [];
        const rows = [];
        for (const l of limits) {
          const subject = subjectOf(l, facts);
          const usage = async (kind: 'requests' | 'tokens', limit: number | undefined) => {
            if (limit === undefined || subject === undefined) return undefined;
            const [c] = await deps.store.peek([counterKey(l.name, kind, subject)], now);
            const used = Math.round(estimate(c!.previous, c!.current, now) * 1000) / 1000;
            return { limit, used, remaining: Math.max(0, Math.floor(limit - used)) };
          };
          try {
            rows.push({
              name: l.name,
              per: l.per,
              ...(l.rules ? { rules: l.rules } : {}),
              ...(l.models ? { models: l.models } : {}),
              counted: subject !== undefined,
              requests: (await usage('requests', l.requestsPerMinute)) ?? null,
              tokens: (await usage('tokens', l.tokensPerMinute)) ?? null,
            });
          } catch (err) {
            if (err instanceof CounterStoreError) throw new AdminApiError(adminError('store_unavailable', { store: 'rate-limit counter' }));
            throw err;
          }
        }
        return [200, { limits: rows }] as const;
      },
    },
  ];
}
