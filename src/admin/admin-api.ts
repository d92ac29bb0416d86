/**
 * The admin API under `/admin/`: token check, route matching and error replies. Features
 * register their routes as {@link AdminApiRoute} tables (keys and projects from src/access/,
 * usage and traces from src/ledger/), so no feature imports the server and the server knows no
 * feature's routes. Off (404) unless `admin.token` is configured (503, and an error logged,
 * while it is configured but its file or variable is empty or unreadable); every request needs
 * `Authorization: Bearer <token>`, compared in constant time.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { adminError, type AdminError } from '../error-catalogue.js';
import { sendAdminError, sendJson } from './respond.js';
import { tokensEqual } from './token.js';

/** Path prefix the admin server routes to the admin API. */
export const ADMIN_API_PREFIX = '/admin/';

/** Largest request body accepted. */
const MAX_BODY_BYTES = 64 * 1024;

/** The admin token's state: not configured, configured but unreadable, or its value. */
export type AdminToken = { readonly state: 'off' } | { readonly state: 'unavailable'; readonly where: string } | { readonly state: 'on'; readonly value: string };

/** An admin API failure thrown out of a handler: a catalogued error, rendered as `{ error: { code, message } }`. */
export class AdminApiError extends Error {
  constructor(readonly error: AdminError) {
    super(error.body.error.message);
    this.name = 'AdminApiError';
  }
}

/** What a route handler gets. */
export interface AdminApiContext {
  readonly req: IncomingMessage;
  readonly url: URL;
  /** Path template parameters, decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The time of the request (ms since epoch). */
  readonly now: number;
}

/** One route: method, OpenAPI-style path template, handler answering `[status, body]`. */
export interface AdminApiRoute {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  readonly path: string;
  handle(ctx: AdminApiContext): Promise<readonly [number, unknown]>;
}

/** What the admin API needs. */
export interface AdminApiDeps {
  /**
   * The admin token now (re-read per request, so rotation applies): `off` when none is
   * configured, `unavailable` when one is configured but cannot be read (naming where).
   */
  token(): Promise<AdminToken>;
  /** Every feature's routes. */
  readonly routes: readonly AdminApiRoute[];
  readonly logger: Logger;
  readonly now?: () => number;
}

/** Reads a JSON request body (at most 64 KiB; an empty body reads as `{}`). */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new AdminApiError(adminError('body_too_large', { maxBytes: MAX_BODY_BYTES }));
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new AdminApiError(adminError('invalid_json'));
  }
}

/** `value` parsed by `schema`, or a 400 describing what is wrong (with `describe`). */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, describe: (err: z.ZodError) => string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new AdminApiError(adminError('invalid_request', { reason: describe(r.error) }));
  return r.data;
}

/** A 404 for `what`. */
export function notFound(what: string): AdminApiError {
  return new AdminApiError(adminError('not_found', { reason: `${what} does not exist` }));
}

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

/** The handler for every path under {@link ADMIN_API_PREFIX}. */
export function createAdminApi(deps: AdminApiDeps): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  const now = deps.now ?? Date.now;
  const routes = deps.routes.map((r) => ({ route: r, ...compile(r.path) }));
  return async (req, res, url) => {
    const token = await deps.token();
    if (token.state === 'off') return sendAdminError(res, adminError('not_found', { reason: 'the admin API is off: set admin.token to enable it' }));
    if (token.state === 'unavailable') {
      deps.logger.error({ where: token.where }, 'admin.token is configured but empty or unreadable: the admin API refuses every request');
      return sendAdminError(res, adminError('admin_token_unavailable', { where: token.where }));
    }
    const presented = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (!tokensEqual(presented, token.value)) {
      res.setHeader('www-authenticate', 'Bearer realm="llm-extproc admin"');
      return sendAdminError(res, adminError('unauthorized'));
    }
    let params: Record<string, string> = {};
    const matching = routes.filter((r) => {
      const m = r.re.exec(url.pathname);
      if (!m) return false;
      params = Object.fromEntries(r.names.map((n, i) => [n, decodeSegment(m[i + 1]!)]));
      return true;
    });
    if (matching.length === 0) return sendAdminError(res, adminError('not_found', { reason: `no admin route ${url.pathname}` }));
    const found = matching.find((r) => r.route.method === req.method);
    if (!found) {
      res.setHeader('allow', matching.map((r) => r.route.method).join(', '));
      return sendAdminError(res, adminError('method_not_allowed', { method: req.method ?? '', path: url.pathname }));
    }
    try {
      const [status, body] = await found.route.handle({ req, url, params, now: now() });
      sendJson(res, status, body);
    } catch (err) {
      if (err instanceof AdminApiError) return sendAdminError(res, err.error);
      throw err;
    }
  };
}
