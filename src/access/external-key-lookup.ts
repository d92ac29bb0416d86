/**
 * {@link KeyLookup} by an external HTTP service (`auth.external`), instead of the key store: the
 * presented key is POSTed as `{"key": "…"}` to the operator's endpoint, which answers whether it
 * is allowed and, when it is, the project, key identity and limits to apply:
 *
 * ```json
 * {"allowed": true, "project": "team-a", "keyId": "ci-7", "name": "ci",
 *  "allowedModels": ["gpt-*"], "allowedRules": [], "expiresAt": "2027-01-01T00:00:00Z",
 *  "maxRequests": 1000, "requestCount": 12}
 * {"allowed": false, "reason": "revoked"}
 * ```
 *
 * A denial may name a reason (`revoked`, `expired`, `project_inactive`, `request_limit`) so the
 * client gets the same 403 a stored key would give; without one it is 401 `invalid_api_key`.
 * A 401, 403 or 404 status is a denial too. Anything else — a timeout (`timeoutMs`), a
 * connection error, another status, a body that is not such JSON — is a failure: `closed`
 * refuses the request (503 `key_store_unavailable`), `open` lets it through as the
 * `failOpenProject` key. Answers are cached by the secret's SHA-256 (never the secret): allowed
 * for `ttlMs`, denied for `negativeTtlMs`; failures are not cached. Concurrent checks of one key
 * share one call.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ExternalKeysConfig } from '../config/access-schema.js';
import type { GatewayKey, KeyLookup } from './key-lookup.js';
import { hashSecret } from './key-secret.js';
import { describeSecretRef, resolveSecretRef, type SecretSources } from './secret-ref.js';

/** Largest answer body read from the service. */
const MAX_ANSWER_BYTES = 64 * 1024;

const names = z.array(z.string().min(1).max(200)).max(100);
const when = z.union([z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)), z.number().int().nonnegative(), z.null()]);

const allowedSchema = z.object({
  allowed: z.literal(true),
  project: z.string().min(1).max(200),
  keyId: z.string().min(1).max(200),
  name: z.string().max(200).optional(),
  allowedModels: names.optional(),
  allowedRules: names.optional(),
  expiresAt: when.optional(),
  maxRequests: z.union([z.number().int().nonnegative(), z.null()]).optional(),
  requestCount: z.number().int().nonnegative().optional(),
});

const deniedSchema = z.object({
  allowed: z.literal(false),
  reason: z.string().max(200).optional(),
  project: z.string().min(1).max(200).optional(),
  keyId: z.string().min(1).max(200).optional(),
});

/** The service's answer, as documented in docs/access-control.md. */
export const externalAnswerSchema = z.discriminatedUnion('allowed', [allowedSchema, deniedSchema]);

/** A call to the service that did not give an answer. */
export class ExternalKeyServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExternalKeyServiceError';
  }
}

/** Options of {@link ExternalKeyLookup}. */
export interface ExternalKeyLookupOptions {
  readonly config: ExternalKeysConfig;
  /** Where `token` is read from. */
  readonly secrets: SecretSources;
  readonly logger: Logger;
  readonly now?: () => number;
  /** The HTTP client (default: the global `fetch`). */
  readonly fetch?: typeof fetch;
}

interface Entry {
  readonly key: GatewayKey | undefined;
  readonly expires: number;
}

function gatewayKey(fields: { id: string; project: string; name?: string | undefined }, more: Partial<GatewayKey> = {}): GatewayKey {
  return {
    id: fields.id,
    project: fields.project,
    name: fields.name ?? fields.id,
    createdAt: 0,
    expiresAt: null,
    revoked: false,
    maxRequests: null,
    requestCount: 0,
    allowedModels: [],
    allowedRules: [],
    projectActive: true,
    ...more,
  };
}

/**
 * What a denial becomes: a key the access checks refuse with the reason's own 403, or undefined
 * (401 `invalid_api_key`).
 */
function denial(answer: z.infer<typeof deniedSchema>): GatewayKey | undefined {
  const who = { id: answer.keyId ?? 'external', project: answer.project ?? 'external' };
  switch (answer.reason) {
    case 'revoked':
      return gatewayKey(who, { revoked: true });
    case 'expired':
      return gatewayKey(who, { expiresAt: 0 });
    case 'project_inactive':
      return gatewayKey(who, { projectActive: false });
    case 'request_limit':
      return gatewayKey(who, { maxRequests: 0 });
    default:
      return undefined;
  }
}

/** Gateway keys checked by an external HTTP service, with positive and negative caching. */
export class ExternalKeyLookup implements KeyLookup {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<GatewayKey | undefined>>();
  private readonly now: () => number;
  private readonly fetch: typeof fetch;
  private lastWarnAt = -Infinity;

  constructor(private readonly opts: ExternalKeyLookupOptions) {
    this.now = opts.now ?? Date.now;
    this.fetch = opts.fetch ?? fetch;
  }

  async find(presentedSecret: string): Promise<GatewayKey | undefined> {
    const id = hashSecret(presentedSecret);
    const cached = this.entries.get(id);
    if (cached && cached.expires > this.now()) {
      this.entries.delete(id);
      this.entries.set(id, cached);
      return cached.key;
    }
    let pending = this.inflight.get(id);
    if (!pending) {
      pending = this.check(id, presentedSecret).finally(() => this.inflight.delete(id));
      this.inflight.set(id, pending);
    }
    return pending;
  }

  /** The service counts requests itself (it reports `requestCount`): nothing to do here. */
  countRequest(_keyId: string): void {}

  /** Cached answers now (tests, debug). */
  get size(): number {
    return this.entries.size;
  }

  private async check(id: string, secret: string): Promise<GatewayKey | undefined> {
    const c = this.opts.config;
    let key: GatewayKey | undefined;
    try {
      key = await this.ask(secret);
    } catch (err) {
      this.warn(err as Error);
      if (c.failureMode === 'closed') throw err;
      return gatewayKey({ id: c.failOpenProject, project: c.failOpenProject, name: 'unverified (key service unavailable)' });
    }
    const allowed = key !== undefined && !key.revoked && key.projectActive && key.expiresAt !== 0 && key.maxRequests !== 0;
    const ttl = allowed ? c.cache.ttlMs : c.cache.negativeTtlMs;
    if (ttl > 0) {
      this.entries.delete(id);
      this.entries.set(id, { key, expires: this.now() + ttl });
      while (this.entries.size > c.cache.maxEntries) {
        const oldest = this.entries.keys().next().value;
        if (oldest === undefined) break;
        this.entries.delete(oldest);
      }
    }
    return key;
  }

  /** One call to the service; throws {@link ExternalKeyServiceError} when it gives no answer. */
  private async ask(secret: string): Promise<GatewayKey | undefined> {
    const c = this.opts.config;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (c.token) {
      const token = await resolveSecretRef(c.token, this.opts.secrets);
      if (token === undefined) throw new ExternalKeyServiceError(`auth.external.token: ${describeSecretRef(c.token)} is unset or empty`);
      headers['authorization'] = `Bearer ${token}`;
    }
    let res: Response;
    let text: string;
    try {
      // One deadline for the whole exchange, body included.
      const signal = AbortSignal.timeout(c.timeoutMs);
      res = await this.fetch(c.url, { method: 'POST', headers, body: JSON.stringify({ key: secret }), signal, redirect: 'error' });
      text = await res.text();
    } catch (err) {
      const e = err as Error;
      const why = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${c.timeoutMs} ms` : (e.cause as Error | undefined)?.message ?? e.message;
      throw new ExternalKeyServiceError(`key service call failed: ${why}`);
    }
    if (Buffer.byteLength(text) > MAX_ANSWER_BYTES) throw new ExternalKeyServiceError(`key service answer over ${MAX_ANSWER_BYTES} bytes`);
    const denied = res.status === 401 || res.status === 403 || res.status === 404;
    if (!denied && (res.status < 200 || res.status > 299)) throw new ExternalKeyServiceError(`key service answered HTTP ${res.status}`);
    let body: unknown;
    try {
      body = text.trim() ? JSON.parse(text) : denied ? { allowed: false } : undefined;
    } catch {
      if (denied) return undefined;
      throw new ExternalKeyServiceError('key service answer is not JSON');
    }
    const parsed = externalAnswerSchema.safeParse(denied ? { ...(body as object), allowed: false } : body);
    if (!parsed.success) {
      if (denied) return undefined;
      throw new ExternalKeyServiceError(`key service answer does not have the documented shape: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
    const a = parsed.data;
    if (!a.allowed) return denial(a);
    return gatewayKey(
      { id: a.keyId, project: a.project, name: a.name },
      {
        allowedModels: a.allowedModels ?? [],
        allowedRules: a.allowedRules ?? [],
        expiresAt: a.expiresAt ?? null,
        maxRequests: a.maxRequests ?? null,
        requestCount: a.requestCount ?? 0,
      },
    );
  }

  /** Logs a failed call, at most once a second (a down service fails every request). */
  private warn(err: Error): void {
    const now = this.now();
    if (now - this.lastWarnAt < 1000) return;
    this.lastWarnAt = now;
    this.opts.logger.warn({ err: { message: err.message }, failureMode: this.opts.config.failureMode }, 'external key check failed');
  }
}
