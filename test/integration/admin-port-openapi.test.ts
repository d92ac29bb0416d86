/**
 * docs/admin-api.openapi.yaml describes the whole admin port. Its paths outside the admin API
 * (health, metrics, debug endpoints, dashboard) are requested on a running service and must
 * answer with a status the description lists; every debug and dashboard route the code builds
 * must be described. (The `/admin/` routes are checked in src/access/admin-openapi.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ADMIN_API_PREFIX } from '../../src/admin/admin-api.js';
import { dashboardRoutes } from '../../src/dashboard/dashboard-routes.js';
import { debugRoutes } from '../../src/server/debug-routes.js';
import { startService, type TestService } from '../support/service.js';

interface Operation {
  readonly responses: Record<string, unknown>;
  readonly security?: unknown[];
}
interface PathItem {
  readonly get?: Operation;
  readonly parameters?: Array<{ name: string; in: string; schema?: { enum?: string[] } }>;
}

const doc = parse(readFileSync(new URL('../../docs/admin-api.openapi.yaml', import.meta.url), 'utf8')) as { paths: Record<string, PathItem> };
const portPaths = Object.entries(doc.paths).filter(([path]) => !path.startsWith(ADMIN_API_PREFIX));

/** The concrete paths of a described path: each `{param}` replaced by each value of its enum. */
function concrete(path: string, item: PathItem): string[] {
  let paths = [path];
  for (const p of item.parameters?.filter((p) => p.in === 'path') ?? []) {
    const values = p.schema?.enum;
    if (!values) throw new Error(`${path}: path parameter ${p.name} needs an enum to be requested`);
    paths = paths.flatMap((x) => values.map((v) => x.replace(`{${p.name}}`, v)));
  }
  return paths;
}

/** Every concrete path the description lists outside `/admin/`. */
const described = new Set(portPaths.flatMap(([path, item]) => concrete(path, item)));

let service: TestService;

beforeAll(async () => {
  service = await startService({ yaml: 'admin: { debug: true }\n' });
});
afterAll(() => service?.stop());

describe('docs/admin-api.openapi.yaml, outside /admin/', () => {
  it('describes health, metrics, debug and dashboard paths, GET only and without a token', () => {
    expect(described).toContain('/healthz');
    expect(described).toContain('/metrics');
    for (const [path, item] of portPaths) {
      expect(Object.keys(item).filter((k) => k !== 'parameters'), path).toEqual(['get']);
      expect(item.get?.security, path).toEqual([]);
    }
  });

  it('describes every debug and dashboard route the code builds', () => {
    const stub = { enabled: () => true, generation: () => undefined, inFlight: () => 0, decisions: () => [] };
    const built = [...debugRoutes(stub).keys(), ...dashboardRoutes().keys()];
    expect(built.length).toBeGreaterThanOrEqual(8);
    expect(built.filter((path) => !described.has(path))).toEqual([]);
  });

  it('answers each described path with a status the description lists', async () => {
    for (const [path, item] of portPaths) {
      for (const url of concrete(path, item)) {
        const res = await fetch(`${service.adminUrl}${url}`);
        await res.arrayBuffer();
        expect(Object.keys(item.get!.responses), `GET ${url} answered ${res.status}`).toContain(String(res.status));
        expect(res.status, `GET ${url}`).toBeLessThan(400);
      }
    }
  });
});
