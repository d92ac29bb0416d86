/**
 * The key, project and audit routes of the admin API (`/admin/keys`, `/admin/projects`,
 * `/admin/audit`), registered with the admin API (src/admin/admin-api.ts). Every change is
 * audited with actor `admin-api`, and invalidates this process's key cache at once. Described in
 * docs/admin-api.openapi.yaml.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import { adminError } from '../error-catalogue.js';
import { AdminApiError, notFound, parseInput, readJson, type AdminApiContext, type AdminApiRoute } from '../admin/admin-api.js';
import { auditView, keyView, projectView } from './admin-views.js';
import { createKeySchema, describeZodError, expiryOf, patchOf, projectNameSchema, updateKeySchema, updateProjectSchema } from './key-input.js';
import { generateSecret, hashSecret } from './key-secret.js';
import { StoreError, type AccessStore } from './store.js';

/** What the access routes need. */
export interface AccessAdminRoutesDeps {
  /** The access store (opened on first use). */
  store(): Promise<AccessStore>;
  /** This process's key cache, invalidated on changes. */
  readonly cache?: { invalidateKey(id: string): void; invalidateAll(): void };
  readonly logger: Logger;
}

interface Ctx {
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly store: AccessStore;
  readonly change: { actor: string; at: number };
  readonly invalidateKey: (id: string) => void;
  readonly invalidateAll: () => void;
}

type Handler = (ctx: Ctx) => Promise<[number, unknown]>;

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  return parseInput(schema, value, describeZodError);
}

function expiry(input: { expiresAt?: string | null; expiresIn?: string }, now: number): number | null | undefined {
  try {
    return expiryOf(input, now);
  } catch (err) {
    throw new AdminApiError(adminError('invalid_request', { reason: (err as Error).message }));
  }
}

const auditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  before: z.coerce.number().int().positive().optional(),
  target: z.string().min(1).optional(),
});

const ROUTE_TABLE: ReadonlyArray<{ method: AdminApiRoute['method']; path: string; handle: Handler }> = [
  {
    method: 'POST',
    path: '/admin/keys',
    handle: async ({ req, store, change, invalidateKey }) => {
      const input = parse(createKeySchema, await readJson(req));
      const { id, secret } = generateSecret();
      const key = await store.createKey(
        {
          id,
          project: input.project,
          name: input.name,
          secretHash: hashSecret(secret),
          createdAt: change.at,
          expiresAt: expiry(input, change.at) ?? null,
          maxRequests: input.maxRequests ?? null,
          allowedModels: input.allowedModels ?? [],
          allowedRules: input.allowedRules ?? [],
          rateLimits: input.rateLimits ?? null,
        },
        change,
      );
      invalidateKey(id);
      return [201, { key: keyView(key), secret }];
    },
  },
  {
    method: 'GET',
    path: '/admin/keys',
    handle: async ({ url, store }) => {
      const project = url.searchParams.get('project') ?? undefined;
      return [200, { keys: (await store.listKeys(project === undefined ? {} : { project })).map(keyView) }];
    },
  },
  {
    method: 'GET',
    path: '/admin/keys/{id}',
    handle: async ({ params, store }) => {
      const key = await store.getKey(params['id']!);
      if (!key) throw notFound(`key ${params['id']}`);
      return [200, { key: keyView(key) }];
    },
  },
  {
    method: 'PATCH',
    path: '/admin/keys/{id}',
    handle: async ({ req, params, store, change, invalidateKey }) => {
      const input = parse(updateKeySchema, await readJson(req));
      expiry(input, change.at);
      const key = await store.updateKey(params['id']!, patchOf(input, change.at), change);
      if (!key) throw notFound(`key ${params['id']}`);
      invalidateKey(key.id);
      return [200, { key: keyView(key) }];
    },
  },
  {
    method: 'POST',
    path: '/admin/keys/{id}/revoke',
    handle: async ({ params, store, change, invalidateKey }) => {
      const key = await store.revokeKey(params['id']!, change);
      if (!key) throw notFound(`key ${params['id']}`);
      invalidateKey(key.id);
      return [200, { key: keyView(key) }];
    },
  },
  {
    method: 'POST',
    path: '/admin/projects',
    handle: async ({ req, store, change }) => {
      const input = parse(z.strictObject({ name: projectNameSchema }), await readJson(req));
      return [201, { project: projectView(await store.createProject(input.name, change)) }];
    },
  },
  {
    method: 'PATCH',
    path: '/admin/projects/{name}',
    handle: async ({ req, params, store, change, invalidateAll }) => {
      const input = parse(updateProjectSchema, await readJson(req));
      const project = await store.setProjectRateLimits(params['name']!, input.rateLimits, change);
      if (!project) throw notFound(`project ${params['name']}`);
      invalidateAll();
      return [200, { project: projectView(project) }];
    },
  },
  {
    method: 'GET',
    path: '/admin/projects',
    handle: async ({ store }) => [200, { projects: (await store.listProjects()).map(projectView) }],
  },
  ...(['activate', 'deactivate'] as const).map((verb) => ({
    method: 'POST' as const,
    path: `/admin/projects/{name}/${verb}`,
    handle: async ({ params, store, change, invalidateAll }: Ctx): Promise<[number, unknown]> => {
      const project = await store.setProjectActive(params['name']!, verb === 'activate', change);
      if (!project) throw notFound(`project ${params['name']}`);
      invalidateAll();
      return [200, { project: projectView(project) }];
    },
  })),
  {
    method: 'GET',
    path: '/admin/audit',
    handle: async ({ url, store }) => {
      const q = parse(auditQuerySchema, Object.fromEntries(url.searchParams));
      const entries = await store.listAudit({
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
        ...(q.before !== undefined ? { beforeId: q.before } : {}),
        ...(q.target !== undefined ? { target: q.target } : {}),
      });
      return [200, { entries: entries.map(auditView) }];
    },
  },
];

/** Method and path of every access route (the OpenAPI test checks them against the description). */
export const ACCESS_ADMIN_ROUTES: ReadonlyArray<Pick<AdminApiRoute, 'method' | 'path'>> = ROUTE_TABLE.map(({ method, path }) => ({ method, path }));

/** The access routes, each opening the store and mapping store errors to API errors. */
export function accessAdminRoutes(deps: AccessAdminRoutesDeps): AdminApiRoute[] {
  return ROUTE_TABLE.map(({ method, path, handle }) => ({
    method,
    path,
    async handle({ req, url, params, now }: AdminApiContext): Promise<readonly [number, unknown]> {
      let store: AccessStore;
      try {
        store = await deps.store();
      } catch (err) {
        deps.logger.error({ err }, 'access store unavailable');
        throw new AdminApiError(adminError('store_unavailable'));
      }
      try {
        return await handle({
          req,
          url,
          params,
          store,
          change: { actor: 'admin-api', at: now },
          invalidateKey: (id) => deps.cache?.invalidateKey(id),
          invalidateAll: () => deps.cache?.invalidateAll(),
        });
      } catch (err) {
        if (err instanceof StoreError) throw new AdminApiError(err.code === 'conflict' ? adminError('conflict', { reason: err.message }) : adminError('not_found', { reason: err.message }));
        throw err;
      }
    },
  }));
}
