/**
 * The usage dashboard's static files on the admin port: `GET /dashboard` (and `/dashboard/`)
 * answers the page, `/dashboard/<file>` its script and style sheet. The files carry no data and
 * need no token; the page itself asks for the admin token and calls the admin usage API.
 *
 * The files are read once from `assets/dashboard` (beside `src/` and `dist/` alike) and kept in
 * memory. Every answer has `cache-control: no-cache` (revalidated through its ETag), a strict
 * content security policy (same-origin scripts, styles and requests only; nothing inline) and
 * `x-content-type-options: nosniff`.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendAdminError, sendJson, type AdminHandler } from '../admin/respond.js';
import { adminError } from '../error-catalogue.js';

/** Where the dashboard lives on the admin port. */
export const DASHBOARD_PATH = '/dashboard';

/** The directory the files are read from by default. */
export const DASHBOARD_ASSETS = new URL('../../assets/dashboard/', import.meta.url);

/** The policy every dashboard answer carries. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The files served, by name, with their content types. */
const FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'format.js': 'text/javascript; charset=utf-8',
  'charts.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

/** Options of {@link dashboardRoutes}. */
export interface DashboardRoutesOptions {
  /** Directory of the files (a `file:` URL ending in `/`); {@link DASHBOARD_ASSETS} by default. */
  readonly dir?: URL;
  /**
   * Whether the admin API (which the page reads usage through) is on now. Answered at
   * `/dashboard/status.json`, so the page can say at once that it is off instead of asking for a
   * token first. Unset: the page learns it from the API's 404.
   */
  readonly adminApiOn?: () => boolean;
}

/** Where the page asks whether the admin API is on. */
export const DASHBOARD_STATUS_PATH = `${DASHBOARD_PATH}/status.json`;

async function loadAssets(dir: URL): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const [name, type] of Object.entries(FILES)) {
    const body = await readFile(new URL(name, dir));
    assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return assets;
}

function send(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const headers = {
    'content-type': asset.type,
    'cache-control': 'no-cache',
    etag: asset.etag,
    'content-security-policy': DASHBOARD_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': asset.body.length });
  // Node sends no body for HEAD.
  res.end(asset.body);
}

/** The dashboard's GET/HEAD routes by exact path, for the admin server's route map. */
export function dashboardRoutes(opts: DashboardRoutesOptions = {}): ReadonlyMap<string, AdminHandler> {
  const dir = opts.dir ?? DASHBOARD_ASSETS;
  let loading: Promise<Map<string, Asset>> | undefined;
  const assets = (): Promise<Map<string, Asset>> => {
    loading ??= loadAssets(dir).catch((err: unknown) => {
      loading = undefined; // a later request tries again
      throw err;
    });
    return loading;
  };
  const serve =
    (name: string): AdminHandler =>
    async (req, res) => {
      let all: Map<string, Asset>;
      try {
        all = await assets();
      } catch {
        return sendAdminError(res, adminError('dashboard_missing'));
      }
      send(req, res, all.get(name)!);
    };
  const routes = new Map<string, AdminHandler>([
    [DASHBOARD_PATH, serve('index.html')],
    [`${DASHBOARD_PATH}/`, serve('index.html')],
  ]);
  for (const name of Object.keys(FILES)) if (name !== 'index.html') routes.set(`${DASHBOARD_PATH}/${name}`, serve(name));
  const adminApiOn = opts.adminApiOn;
  if (adminApiOn) {
    routes.set(DASHBOARD_STATUS_PATH, (_req, res) => {
      res.setHeader('cache-control', 'no-store');
      sendJson(res, 200, { adminApi: adminApiOn() ? 'on' : 'off' });
    });
  }
  return routes;
}
