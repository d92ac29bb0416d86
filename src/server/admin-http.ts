/**
 * The admin HTTP server: `/healthz` (alive), `/readyz` (config loaded, gRPC serving, not
 * draining), `/metrics` (Prometheus text), plus any extra read-only routes, and prefix routes
 * that take any method (the admin API).
 */
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { sendAdminError, sendJson, type AdminHandler } from '../admin/respond.js';
import { adminError } from '../error-catalogue.js';

/** What the admin server serves. */
export interface AdminDeps {
  /** True when the service should receive traffic. */
  ready(): boolean;
  /** Writes the Prometheus exposition. */
  metrics: AdminHandler;
  /** Extra GET routes by exact path (debug endpoints, the dashboard's static files). */
  routes?: ReadonlyMap<string, AdminHandler>;
  /** Handlers for every path under a prefix, any method (the admin API under `/admin/`). */
  prefixRoutes?: ReadonlyArray<{ readonly prefix: string; readonly handler: AdminHandler }>;
  readonly logger: Logger;
}

/** Creates (does not start) the admin HTTP server. */
export function createAdminServer(deps: AdminDeps): Server {
  return createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://admin');
    } catch {
      // An absolute-form request target such as `http://a:b` is not a URL: answer, never throw.
      return sendAdminError(res, adminError('bad_request_target'));
    }
    const handle = async (): Promise<void> => {
      const prefixed = deps.prefixRoutes?.find((r) => url.pathname.startsWith(r.prefix));
      if (prefixed) return prefixed.handler(req, res, url);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return sendAdminError(res, adminError('method_not_allowed', { method: req.method ?? '', path: url.pathname }));
      }
      switch (url.pathname) {
        case '/healthz':
          return sendJson(res, 200, { status: 'ok' });
        case '/readyz':
          return deps.ready() ? sendJson(res, 200, { status: 'ready' }) : sendJson(res, 503, { status: 'not ready' });
        case '/metrics':
          return deps.metrics(req, res, url);
        default: {
          const route = deps.routes?.get(url.pathname);
          if (route) return route(req, res, url);
          return sendAdminError(res, adminError('not_found', { reason: `nothing is served at ${url.pathname}` }));
        }
      }
    };
    handle().catch((err: unknown) => {
      deps.logger.error({ err, path: url.pathname }, 'admin request failed');
      if (!res.headersSent) sendAdminError(res, adminError('internal_error'));
      else res.destroy();
    });
  });
}
