import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { closeServer, listenOnLoopback } from '../../test/support/listen.js';
import { createAdminServer } from '../server/admin-http.js';
import { DASHBOARD_ASSETS, DASHBOARD_CSP, DASHBOARD_STATUS_PATH, dashboardRoutes } from './dashboard-routes.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createAdminServer({ ready: () => true, metrics: (_req, res) => void res.end(), routes: dashboardRoutes(), logger: pino({ level: 'silent' }) });
  base = await listenOnLoopback(server);
});

afterAll(() => closeServer(server));

const FILES: Array<[string, string, string]> = [
  ['/dashboard', 'text/html; charset=utf-8', 'index.html'],
  ['/dashboard/', 'text/html; charset=utf-8', 'index.html'],
  ['/dashboard/dashboard.js', 'text/javascript; charset=utf-8', 'dashboard.js'],
  ['/dashboard/charts.js', 'text/javascript; charset=utf-8', 'charts.js'],
  ['/dashboard/format.js', 'text/javascript; charset=utf-8', 'format.js'],
  ['/dashboard/dashboard.css', 'text/css; charset=utf-8', 'dashboard.css'],
];

describe('dashboard routes', () => {
  it.each(FILES)('GET %s answers the file with its type and the security headers', async (path, type, file) => {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(res.headers.get('etag')).toMatch(/^"[\w-]{22}"$/);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(await readFile(new URL(file, DASHBOARD_ASSETS)))).toBe(true);
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
  });

  it('has a policy that allows only same-origin scripts, styles and requests, nothing inline', () => {
    expect(DASHBOARD_CSP).toContain("default-src 'self'");
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).toContain("frame-ancestors 'none'");
    expect(DASHBOARD_CSP).toContain("form-action 'none'");
    expect(DASHBOARD_CSP).not.toContain('unsafe');
  });

  it('the page loads its script as a module from /dashboard/ and has no inline script or style', async () => {
    const html = await (await fetch(`${base}/dashboard`)).text();
    expect(html).toContain('<script type="module" src="/dashboard/dashboard.js"></script>');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son\w+=/);
  });

  it('HEAD answers the headers without a body', async () => {
    const res = await fetch(`${base}/dashboard/dashboard.css`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(0);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers 304 to a request with the current ETag', async () => {
    const first = await fetch(`${base}/dashboard/dashboard.js`);
    const etag = first.headers.get('etag')!;
    const again = await fetch(`${base}/dashboard/dashboard.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
  });

  it.each(['/dashboard/other.js', '/dashboard/format.d.ts', '/dashboard/../package.json', '/dashboard/index.html', '/dashboardx'])('404 for %s', async (path) => {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(404);
  });

  it('refuses other methods (405)', async () => {
    const res = await fetch(`${base}/dashboard`, { method: 'POST' });
    expect(res.status).toBe(405);
  });

  it('answers 500 while the files are missing, and serves them once they are there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dashboard-assets-'));
    const other = createAdminServer({ ready: () => true, metrics: (_req, res) => void res.end(), routes: dashboardRoutes({ dir: pathToFileURL(`${dir}/`) }), logger: pino({ level: 'silent' }) });
    const url = await listenOnLoopback(other);
    try {
      const missing = await fetch(`${url}/dashboard`);
      expect(missing.status).toBe(500);
      expect(await missing.json()).toEqual({ error: { code: 'dashboard_missing', message: 'the dashboard files are missing from this installation' } });
      for (const name of ['index.html', 'dashboard.js', 'charts.js', 'format.js', 'dashboard.css']) await writeFile(join(dir, name), `/* ${name} */`);
      const found = await fetch(`${url}/dashboard/format.js`);
      expect(found.status).toBe(200);
      expect(await found.text()).toBe('/* format.js */');
    } finally {
      await closeServer(other);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('dashboard status', () => {
  it('says whether the admin API is on, as it is at each request', async () => {
    let on = false;
    const s = createAdminServer({ ready: () => true, metrics: (_req, res) => void res.end(), routes: dashboardRoutes({ adminApiOn: () => on }), logger: pino({ level: 'silent' }) });
    const url = `${await listenOnLoopback(s)}${DASHBOARD_STATUS_PATH}`;
    try {
      expect(await (await fetch(url)).json()).toEqual({ adminApi: 'off' });
      on = true;
      const res = await fetch(url);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({ adminApi: 'on' });
    } finally {
      await closeServer(s);
    }
  });

  it('is not served when nobody said how to know', async () => {
    expect((await fetch(`${base}${DASHBOARD_STATUS_PATH}`)).status).toBe(404);
  });
});
