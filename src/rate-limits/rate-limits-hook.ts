/**
 * Rate limits as a hook. At `onRequest` (routed requests; after keys, budgets and policy) every
 * limit that applies is checked in one atomic store call: its request counter takes the request,
 * and its token counter must have room left. Over a limit: 429 in the client API's error shape
 * with `retry-after` (and `retry-after-ms`) and the provider-style `x-ratelimit-*` headers
 * SDKs read. Admitted: the same headers go on the response. Tokens are charged at `onOutcome`,
 * from the response's usage, so a subject over its token limit is refused on its next request
 * (the overrun is at most the tokens of requests already admitted when the limit was crossed).
 */
import { createHash } from 'node:crypto';
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { RateLimitConfig } from '../config/rate-limits-schema.js';
import { CLIENT_ERRORS, clientError } from '../error-catalogue.js';
import { UserFacingError, type WithReplyHeaders } from '../errors.js';
import type { Hook, HookRequest } from '../hooks/hook.js';
import type { RequestOutcome } from '../hooks/outcome.js';
import { globAny } from '../access/glob.js';
import { CounterStoreError, type BucketCounts, type CounterCheck, type CounterStore } from './counter-store.js';
import { formatResetDuration } from './reset-duration.js';
import { estimate, waitMs } from './sliding-window.js';

/** A 429 with `retry-after` and the `x-ratelimit-*` headers, in the client API's error shape. */
export class RateLimitedError extends UserFacingError implements WithReplyHeaders {
  constructor(
    args: Parameters<(typeof CLIENT_ERRORS)['rate_limited']['message']>[0],
    readonly replyHeaders: Readonly<Record<string, string>>,
  ) {
    super(CLIENT_ERRORS.rate_limited.status, 'rate_limited', CLIENT_ERRORS.rate_limited.message(args));
    this.limit = args.name;
  }

  /** Name of the limit that was reached. */
  readonly limit: string;
}

/** One applicable limit and its counter keys for a request. */
interface Applied {
  readonly limit: RateLimitConfig;
  readonly requestKey?: string;
  readonly tokenKey?: string;
}

/** What an admitted request carries to its response and outcome. */
interface Admitted {
  readonly headers: Array<readonly [string, string]>;
  /** Token counters to charge, with the kind of tokens each counts. */
  readonly charge: ReadonlyArray<{ readonly key: string; readonly tokens: RateLimitConfig['tokens'] }>;
}

/** Longest subject kept in a key as it is; longer ones (client-chosen model names) are hashed. */
const MAX_SUBJECT = 120;

/** The facts a limit may count per. */
export interface SubjectFacts {
  readonly key?: string | undefined;
  readonly project?: string | undefined;
  readonly model?: string | undefined;
  readonly rule?: string | undefined;
}

/** The subject of `limit` for `facts` (undefined when a fact it counts per is missing). */
export function subjectOf(limit: RateLimitConfig, facts: SubjectFacts): string | undefined {
  const parts: string[] = [];
  for (const d of limit.per) {
    const v = facts[d];
    if (v === undefined) return undefined; // the limit counts per a fact this request lacks
    parts.push(v);
  }
  const subject = parts.join('\u001f');
  return subject.length > MAX_SUBJECT ? `#${createHash('sha256').update(subject).digest('base64url')}` : subject;
}

/** The counter key of `limit`'s `kind` counter for `subject`. */
export function counterKey(limit: string, kind: 'requests' | 'tokens', subject: string): string {
  return `${limit}:${kind === 'requests' ? 'r' : 't'}:${subject}`;
}

/**
 * The limits for `req`: the config's, with a caller's own key-store limits in place of the
 * numbers of the config's limits counted per `[key]` (per `[project]`); a caller's own limit
 * with no such config limit is a limit of its own, named `key` (`project`).
 */
function limitsFor(config: Config, req: HookRequest): readonly RateLimitConfig[] {
  const own = req.caller?.rateLimits;
  const configured = config.rateLimits.limits;
  if (!own) return configured;
  const out: RateLimitConfig[] = [];
  const used = { key: false, project: false };
  for (const l of configured) {
    const dim = l.per.length === 1 && (l.per[0] === 'key' || l.per[0] === 'project') ? l.per[0] : undefined;
    const o = dim ? own[dim] : undefined;
    if (dim && o) used[dim] = true;
    out.push(o ? { ...l, ...(o.requestsPerMinute !== undefined ? { requestsPerMinute: o.requestsPerMinute } : {}), ...(o.tokensPerMinute !== undefined ? { tokensPerMinute: o.tokensPerMinute } : {}) } : l);
  }
  for (const dim of ['key', 'project'] as const) {
    const o = own[dim];
    if (!o || used[dim] || (o.requestsPerMinute === undefined && o.tokensPerMinute === undefined)) continue;
    out.push({ name: dim, per: [dim], tokens: 'total', ...o });
  }
  return out;
}

/** The limits of `config` (and the caller's own) that apply to `req`, with their counter keys. */
export function applicableLimits(config: Config, req: HookRequest): Applied[] {
  const out: Applied[] = [];
  for (const limit of limitsFor(config, req)) {
    if (limit.rules && (req.rule === undefined || !limit.rules.includes(req.rule))) continue;
    if (limit.models && (req.model === undefined || !globAny(limit.models, req.model))) continue;
    const subject = subjectOf(limit, { key: req.caller?.id, project: req.caller?.project, model: req.model, rule: req.rule });
    if (subject === undefined) continue;
    out.push({
      limit,
      ...(limit.requestsPerMinute !== undefined ? { requestKey: counterKey(limit.name, 'requests', subject) } : {}),
      ...(limit.tokensPerMinute !== undefined ? { tokenKey: counterKey(limit.name, 'tokens', subject) } : {}),
    });
  }
  return out;
}

function tokensOf(o: RequestOutcome, kind: RateLimitConfig['tokens']): number {
  const u = o.info?.usage;
  if (!u) return 0;
  const n = kind === 'input' ? u.input : kind === 'output' ? u.output : (u.total ?? (u.input ?? 0) + (u.output ?? 0));
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
}

/** The `x-ratelimit-*` headers of the tightest counter of each kind. */
function rateLimitHeaders(checks: readonly CounterCheck[], counts: readonly BucketCounts[], kinds: ReadonlyArray<'requests' | 'tokens'>, now: number): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  for (const kind of ['requests', 'tokens'] as const) {
    let best: { limit: number; remaining: number; reset: number } | undefined;
    checks.forEach((c, i) => {
      if (kinds[i] !== kind) return;
      const n = counts[i]!;
      const remaining = Math.max(0, Math.floor(c.limit - estimate(n.previous, n.current, now)));
      if (best && remaining >= best.remaining) return;
      best = { limit: c.limit, remaining, reset: waitMs(n.previous, n.current, c.limit, c.limit, now) };
    });
    if (!best) continue;
    out.push([`x-ratelimit-limit-${kind}`, String(best.limit)], [`x-ratelimit-remaining-${kind}`, String(best.remaining)], [`x-ratelimit-reset-${kind}`, formatResetDuration(best.reset)]);
  }
  return out;
}

/** What the hook needs. */
export interface RateLimitsHookDeps {
  readonly store: CounterStore;
  readonly logger: Logger;
  readonly meter: Meter;
  readonly now?: () => number;
}

/** The instruments, created once per process (every generation's hook shares them). */
export interface RateLimitInstruments {
  readonly limited: ReturnType<Meter['createCounter']>;
  readonly storeErrors: ReturnType<Meter['createCounter']>;
}

/** Creates the rate-limit instruments on `meter`. */
export function rateLimitInstruments(meter: Meter): RateLimitInstruments {
  return {
    limited: meter.createCounter('llm_extproc.rate_limit.limited', { description: 'Requests refused by a rate limit', unit: '{request}' }),
    storeErrors: meter.createCounter('llm_extproc.rate_limit.store_errors', { description: 'Rate-limit counter calls that failed (store unreachable or slow); the failure mode decided', unit: '{call}' }),
  };
}

/** The rate-limits hook of `config` over the process's counter store. */
export function rateLimitsHook(config: Config, deps: RateLimitsHookDeps, instruments: RateLimitInstruments): Hook {
  const now = deps.now ?? Date.now;
  const failOpen = config.rateLimits.failureMode === 'open';
  return {
    name: 'rate-limits',
    async onRequest(req) {
      if (req.kind === 'listing' || req.kind === 'passthrough') return undefined;
      const applied = applicableLimits(config, req);
      if (applied.length === 0) return undefined;
      const checks: CounterCheck[] = [];
      const kinds: Array<'requests' | 'tokens'> = [];
      const owners: RateLimitConfig[] = [];
      for (const a of applied) {
        if (a.requestKey) {
          checks.push({ key: a.requestKey, limit: a.limit.requestsPerMinute!, take: 1 });
          kinds.push('requests');
          owners.push(a.limit);
        }
        if (a.tokenKey) {
          checks.push({ key: a.tokenKey, limit: a.limit.tokensPerMinute!, take: 0 });
          kinds.push('tokens');
          owners.push(a.limit);
        }
      }
      const at = now();
      let result;
      try {
        result = await deps.store.take(checks, at);
      } catch (err) {
        if (!(err instanceof CounterStoreError)) throw err;
        instruments.storeErrors.add(1, { 'llm_extproc.rate_limit.failure_mode': config.rateLimits.failureMode });
        if (failOpen) return undefined;
        throw clientError('rate_limit_unavailable');
      }
      const headers = rateLimitHeaders(checks, result.counts, kinds, at);
      if (result.refused !== undefined) {
        const i = result.refused;
        const n = result.counts[i]!;
        const wait = waitMs(n.previous, n.current, checks[i]!.limit, 1, at);
        const ms = Number.isFinite(wait) ? wait : 60_000;
        const limit = owners[i]!;
        instruments.limited.add(1, { 'llm_extproc.rate_limit.name': limit.name, 'llm_extproc.rate_limit.kind': kinds[i]! });
        const replyHeaders = Object.fromEntries([...headers, ['retry-after', String(Math.max(1, Math.ceil(ms / 1000)))], ['retry-after-ms', String(ms)]]);
        return {
          answer: new RateLimitedError(
            { name: limit.name, limit: kinds[i] === 'requests' ? `${checks[i]!.limit} requests` : `${checks[i]!.limit} tokens`, retryAfterSeconds: Math.ceil(ms / 1000) },
            replyHeaders,
          ),
        };
      }
      const charge = applied.filter((a) => a.tokenKey).map((a) => ({ key: a.tokenKey!, tokens: a.limit.tokens }));
      const context: Admitted = { headers, charge };
      return { context };
    },
    onResponseHeaders(_res, _req, context) {
      const c = context as Admitted | undefined;
      return c?.headers.length ? { set: c.headers } : undefined;
    },
    onOutcome(o, context) {
      const c = context as Admitted | undefined;
      if (!c?.charge.length) return;
      const at = now();
      for (const { key, tokens } of c.charge) {
        const amount = tokensOf(o, tokens);
        if (amount === 0) continue;
        deps.store.add(key, amount, at).catch((err: unknown) => {
          instruments.storeErrors.add(1, { 'llm_extproc.rate_limit.failure_mode': config.rateLimits.failureMode });
          deps.logger.debug({ err: { message: (err as Error).message } }, 'rate-limit tokens not charged');
        });
      }
    },
  };
}
