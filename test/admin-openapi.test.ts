import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ADMIN_API_PREFIX } from '../src/admin/admin-api.js';
import { ACCESS_ADMIN_ROUTES } from '../src/access/admin-routes.js';
import { USAGE_ADMIN_ROUTES } from '../src/ledger/usage-admin-routes.js';
import { RATE_LIMIT_ADMIN_ROUTES } from '../src/rate-limits/rate-limits-admin-routes.js';

const ADMIN_ROUTES = [...ACCESS_ADMIN_ROUTES, ...USAGE_ADMIN_ROUTES, ...RATE_LIMIT_ADMIN_ROUTES];

const doc = parse(readFileSync(new URL('../docs/admin-api.openapi.yaml', import.meta.url), 'utf8')) as {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
};
const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

describe('docs/admin-api.openapi.yaml', () => {
  it('is OpenAPI 3.1', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
  });

  it('describes every route the code serves', () => {
    expect(ADMIN_ROUTES.length).toBeGreaterThanOrEqual(10);
    for (const r of ADMIN_ROUTES) expect(doc.paths[r.path]?.[r.method.toLowerCase()], `${r.method} ${r.path}`).toBeDefined();
  });

  // The other paths of the admin port (health, metrics, debug, dashboard) are checked against a
  // running service in test/integration/admin-port-openapi.test.ts.
  it('describes no /admin/ route the code does not serve', () => {
    const served = new Set(ADMIN_ROUTES.map((r) => `${r.method} ${r.path}`));
    for (const [path, item] of Object.entries(doc.paths).filter(([p]) => p.startsWith(ADMIN_API_PREFIX))) {
      for (const method of Object.keys(item).filter((m) => METHODS.includes(m))) {
        expect(served.has(`${method.toUpperCase()} ${path}`), `${method.toUpperCase()} ${path}`).toBe(true);
      }
    }
  });

  it('has every operation listed in docs/operator-guide.md', () => {
    const guide = readFileSync(new URL('../docs/operator-guide.md', import.meta.url), 'utf8');
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => METHODS.includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations.length).toBeGreaterThanOrEqual(20);
    expect(operations.filter((op) => !guide.includes(`\`${op}\``))).toEqual([]);
  });

  it('resolves every $ref', () => {
    const text = JSON.stringify(doc);
    for (const m of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      let node: unknown = doc;
      for (const part of m[1]!.split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
      expect(node, m[1]).toBeDefined();
    }
  });
});
