/**
 * The key and project admin API, mounted by the admin HTTP server under `/admin/`. Off (404)
 * unless `admin.token` is configured (503, and an error logged, while it is configured but its
 * file or variable is empty or unreadable); every request needs `Authorization: Bearer <token>`
 * (compared in constant time). Every change is audited with actor `admin-api`, and invalidates
 * this process's key cache at once. Described in docs/admin-api.openapi.yaml.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import { sendJson } from '../server/admin-http.js';
import { auditView, keyView, projectCredentialView, projectView } from './admin-views.js';
import type { CredentialCipher } from './credential-cipher.js';
import { providerNameSchema, providerSecretSchema } from './key-input.js';
import { setProjectCredential } from './project-credentials.js';
import { createKeySchema, describeZodError, expiryOf, patchOf, projectNameSchema, updateKeySchema } from './key-input.js';
import { generateSecret, hashSecret, tokensEqual } from './key-secret.js';
import { StoreError, type AccessStore } from './store.js';
import { sqlDbOf } from '../ledger/open-ledger.js';
import { traceRoute, tracesRoute, usageSummaryRoute, usageTimeseriesRoute, UsageQueryError } from '../ledger/usage-routes.js';

/** Path prefix the admin server routes here. */
export const ADMIN_API_PREFIX = '/admin/';

/** Largest request body accepted. */
const MAX_BODY_BYTES = 64 * 1024;

/** The admin token's state: not configured, configured but unreadable, or its value. */
export type AdminToken = { readonly state: 'off' } | { readonly state: 'unavailable'; readonly where: string } | { readonly state: 'on'; readonly value: string };

/** What the admin API needs. */
export interface AdminRoutesDeps {
  /**
   * The admin token now (re-read per request, so rotation applies): `off` when none is
   * configured, `unavailable` when one is configured but cannot be read (naming where).
   */
  token(): Promise<AdminToken>;
  /** The access store (opened on first use). */
  store(): Promise<AccessStore>;
  /** This process's key cache, invalidated on changes. */
  readonly cache?: { invalidateKey(id: string): void; invalidateAll(): void };
  /**
   * Provider credentials per project: the data keys, and this process's cache of them to drop
   * on changes. Absent: the credential routes answer 404 `provider_credentials_off`.
   */
  readonly projectCredentials?: { cipher(): Promise<CredentialCipher>; invalidateProjectCredential(project: string, provider?: string): void };
  readonly logger: Logger;
  readonly now?: () => number;
}

/** An API failure with its status and stable code. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Ctx {
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly store: AccessStore;
  readonly change: { actor: string; at: number };
  readonly invalidateKey: (id: string) => void;
  readonly invalidateAll: () => void;
  readonly projectCredentials: AdminRoutesDeps['projectCredentials'];
}

type Handler = (ctx: Ctx) => Promise<[number, unknown]>;

/** One route: method and OpenAPI-style path template. */
export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  readonly path: string;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'body_too_large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'the request body is not valid JSON');
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new ApiError(400, 'invalid_request', describeZodError(r.error));
  return r.data;
}

function expiry(input: { expiresAt?: string | null; expiresIn?: string }, now: number): number | null | undefined {
  try {
    return expiryOf(input, now);
  } catch (err) {
    throw new ApiError(400, 'invalid_request', (err as Error).message);
  }
}

async function cipherOf(deps: AdminRoutesDeps['projectCredentials']): Promise<CredentialCipher> {
  if (!deps) throw new ApiError(404, 'provider_credentials_off', 'provider credentials per project are off: set auth.providerCredentials');
  try {
    return await deps.cipher();
  } catch (err) {
    throw new ApiError(503, 'data_key_unavailable', `the data key of auth.providerCredentials cannot be read: ${(err as Error).message}`);
  }
}

function notFound(what: string): ApiError {
  return new ApiError(404, 'not_found', `${what} does not exist`);
}

const auditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  before: z.coerce.number().int().positive().optional(),
  target: z.string().min(1).optional(),
});

const ROUTE_TABLE: ReadonlyArray<AdminRoute & { handle: Handler }> = [
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
    path: '/admin/projects/{name}/credentials',
    handle: async ({ params, store }) => {
      const name = params['name']!;
      if (!(await store.getProject(name))) throw notFound(`project ${name}`);
      return [200, { credentials: (await store.listProjectCredentials({ project: name })).map(projectCredentialView) }];
    },
  },
  {
    method: 'PUT',
    path: '/admin/projects/{name}/credentials/{provider}',
    handle: async ({ req, params, store, change, projectCredentials }) => {
      const provider = parse(providerNameSchema, params['provider']);
      const input = parse(z.strictObject({ secret: providerSecretSchema }), await readJson(req));
      const cipher = await cipherOf(projectCredentials);
      const info = await setProjectCredential(store, cipher, { project: params['name']!, provider, secret: input.secret }, change);
      projectCredentials!.invalidateProjectCredential(info.project, provider);
      // The value is never returned: only where it is and under which data key.
      return [200, { credential: projectCredentialView(info) }];
    },
  },
  {
    method: 'DELETE',
    path: '/admin/projects/{name}/credentials/{provider}',
    handle: async ({ params, store, change, projectCredentials }) => {
      const info = await store.removeProjectCredential(params['name']!, params['provider']!, change);
      if (!info) throw notFound(`credential of project ${params['name']} for ${params['provider']}`);
      projectCredentials?.invalidateProjectCredential(info.project, info.provider);
      return [200, { credential: projectCredentialView(info) }];
    },
  },
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
  {
    method: 'GET',
    path: '/admin/usage/summary',
    handle: async ({ url, store, change }) => usageSummaryRoute(sqlDbOf(store), url, change.at),
  },
  {
    method: 'GET',
    path: '/admin/usage/timeseries',
    handle: async ({ url, store, change }) => usageTimeseriesRoute(sqlDbOf(store), url, change.at),
  },
  {
    method: 'GET',
    path: '/admin/traces',
    handle: async ({ url, store, change }) => tracesRoute(sqlDbOf(store), url, change.at),
  },
  {
    method: 'GET',
    path: '/admin/traces/{id}',
    handle: async ({ url, params, store }) => {
      const found = await traceRoute(sqlDbOf(store), params['id']!, url);
      if (!found) throw notFound(`trace ${params['id']}`);
      return found;
    },
  },
];

/** Every route the admin API serves (the OpenAPI test checks them against the description). */
export const ADMIN_ROUTES: readonly AdminRoute[] = ROUTE_TABLE.map(({ method, path }) => ({ method, path }));

function compile(path: string): { re: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { re: new RegExp(`^${source}$`), names };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

/** The handler for every path under {@link ADMIN_API_PREFIX}. */
export function createAdminRoutes(deps: AdminRoutesDeps): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  const now = deps.now ?? Date.now;
  const routes = ROUTE_TABLE.map((r) => ({ ...r, ...compile(r.path) }));
  return async (req, res, url) => {
    const token = await deps.token();
    if (token.state === 'off') return sendError(res, 404, 'not_found', 'the admin API is off: set admin.token to enable it');
    if (token.state === 'unavailable') {
      deps.logger.error({ where: token.where }, 'admin.token is configured but empty or unreadable: the admin API refuses every request');
      return sendError(res, 503, 'admin_token_unavailable', `admin.token (${token.where}) is configured but empty or unreadable`);
    }
    const presented = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (!tokensEqual(presented, token.value)) {
      res.setHeader('www-authenticate', 'Bearer realm="llm-extproc admin"');
      return sendError(res, 401, 'unauthorized', 'a valid admin token is required (Authorization: Bearer <token>)');
    }
    let params: Record<string, string> = {};
    const matching = routes.filter((r) => {
      const m = r.re.exec(url.pathname);
      if (!m) return false;
      params = Object.fromEntries(r.names.map((n, i) => [n, decodeSegment(m[i + 1]!)]));
      return true;
    });
    if (matching.length === 0) return sendError(res, 404, 'not_found', `no admin route ${url.pathname}`);
    const route = matching.find((r) => r.method === req.method);
    if (!route) {
      res.setHeader('allow', matching.map((r) => r.method).join(', '));
      return sendError(res, 405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`);
    }
    try {
      let store: AccessStore;
      try {
        store = await deps.store();
      } catch (err) {
        deps.logger.error({ err }, 'access store unavailable');
        throw new ApiError(503, 'store_unavailable', 'the access store is not available');
      }
      const [status, body] = await route.handle({ req, url, params, store, change: { actor: 'admin-api', at: now() },
        invalidateKey: (id) => deps.cache?.invalidateKey(id),
        invalidateAll: () => deps.cache?.invalidateAll(),
        projectCredentials: deps.projectCredentials,
      });
      sendJson(res, status, body);
    } catch (err) {
      if (err instanceof ApiError) return sendError(res, err.status, err.code, err.message);
      if (err instanceof UsageQueryError) return sendError(res, 400, 'invalid_request', err.message);
      if (err instanceof StoreError) return sendError(res, err.code === 'conflict' ? 409 : 404, err.code, err.message);
      throw err;
    }
  };
}
