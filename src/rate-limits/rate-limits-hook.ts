/**
 * Rate limits as a hook. At `onRequest` (routed requests; after keys, budgets and policy) every
 * limit that applies is checked in one atomic store call: its request counter takes the request,
 * and its token counter must have room left. Over a limit: 429 in the client API's error shape
 * with `retry-after` (and `retry-after-ms`) and the provider-style `x-ratelimit-*` headers
 * SDKs read. Admitted: the same headers go on the response. Tokens are charged at `onOutcome`,
 * from the response's usage, so a subject over its token limit is refused on its next request
 * (the overrun is at most the tokens of requests already admitted when the limit was crossed,
 * plus, with Redis, those other replicas admit before they see the charge: see
 * src/rate-limits/redis-store.ts and, with leases, src/rate-limits/leased-store.ts).
 */
import { createHash } from 'node:crypto';
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { RateLimitConfig } from '../config/rate-limits-schema.js';
import { CLIENT_ERRORS, clientError } from '../error-catalogue.js';
import { UserFacingError, type WithReplyHeaders } from '../errors.js';
import type { Hook, HookRequest, RequestHookResult } from '../hooks/hook.js';
import type { RequestOutcome } from '../hooks/outcome.js';
import { globAny } from '../access/glob.js';
import { CounterStoreError, type BucketCounts, type CounterCheck, type CounterStore, type TakeResult } from './counter-store.js';
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

/** A limit prepared once per config (or per request for a caller's own numbers): its counter key prefixes. */
interface PlannedLimit {
  readonly limit: RateLimitConfig;
  /** `<name>:r:` when the limit counts requests. */
  readonly requestPrefix: string | undefined;
  /** `<name>:t:` when the limit counts tokens. */
  readonly tokenPrefix: string | undefined;
}

/** One check of a request, with the limit it belongs to (the store reads key, limit and take). */
interface LimitCheck extends CounterCheck {
  readonly kind: 'requests' | 'tokens';
  readonly owner: RateLimitConfig;
}

/** What an admitted request carries to its response (the `x-ratelimit-*` headers) and outcome (the token charge). */
interface Admitted {
  readonly checks: readonly LimitCheck[];
  readonly counts: readonly BucketCounts[];
  readonly at: number;
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
  const per = limit.per;
  let subject: string;
  if (per.length === 1) {
    const v = facts[per[0]!];
    if (v === undefined) return undefined; // the limit counts per a fact this request lacks
    subject = v;
  } else {
    subject = '';
    for (let i = 0; i < per.length; i++) {
      const v = facts[per[i]!];
      if (v === undefined) return undefined;
      subject = i === 0 ? v : `${subject}\u001f${v}`;
    }
  }
  return subject.length > MAX_SUBJECT ? `#${createHash('sha256').update(subject).digest('base64url')}` : subject;
}

/** The counter key of `limit`'s `kind` counter for `subject`. */
export function counterKey(limit: string, kind: 'requests' | 'tokens', subject: string): string {
  return `${limit}:${kind === 'requests' ? 'r' : 't'}:${subject}`;
}

function plan(limit: RateLimitConfig): PlannedLimit {
  return {
    limit,
    requestPrefix: limit.requestsPerMinute !== undefined ? counterKey(limit.name, 'requests', '') : undefined,
    tokenPrefix: limit.tokensPerMinute !== undefined ? counterKey(limit.name, 'tokens', '') : undefined,
  };
}

/**
 * The limits for `req`: the config's (planned once), with a caller's own key-store limits in
 * place of the numbers of the config's limits counted per `[key]` (per `[project]`); a caller's
 * own limit with no such config limit is a limit of its own, named `key` (`project`).
 */
function limitsFor(configured: readonly PlannedLimit[], req: HookRequest): readonly PlannedLimit[] {
  const own = req.caller?.rateLimits;
  if (!own) return configured;
  const out: PlannedLimit[] = [];
  const used = { key: false, project: false };
  for (const p of configured) {
    const l = p.limit;
    const dim = l.per.length === 1 && (l.per[0] === 'key' || l.per[0] === 'project') ? l.per[0] : undefined;
    const o = dim ? own[dim] : undefined;
    if (dim && o) used[dim] = true;
    out.push(o ? plan({ ...l, ...(o.requestsPerMinute !== undefined ? { requestsPerMinute: o.requestsPerMinute } : {}), ...(o.tokensPerMinute !== undefined ? { tokensPerMinute: o.tokensPerMinute } : {}) }) : p);
  }
  for (const dim of ['key', 'project'] as const) {
    const o = own[dim];
    if (!o || used[dim] || (o.requestsPerMinute === undefined && o.tokensPerMinute === undefined)) continue;
    out.push(plan({ name: dim, per: [dim], tokens: 'total', ...o }));
  }
  return out;
}

/** The checks of every limit that applies to `req`: per limit its request counter, then its token counter. */
function checksFor(limits: readonly PlannedLimit[], req: HookRequest): LimitCheck[] {
  const checks: LimitCheck[] = [];
  let facts: SubjectFacts | undefined;
  for (const { limit, requestPrefix, tokenPrefix } of limits) {
    if (limit.rules && (req.rule === undefined || !limit.rules.includes(req.rule))) continue;
    if (limit.models && (req.model === undefined || !globAny(limit.models, req.model))) continue;
    facts ??= { key: req.caller?.id, project: req.caller?.project, model: req.model, rule: req.rule };
    const subject = subjectOf(limit, facts);
    if (subject === undefined) continue;
    if (requestPrefix !== undefined) checks.push({ key: requestPrefix + subject, limit: limit.requestsPerMinute!, take: 1, kind: 'requests', owner: limit });
    if (tokenPrefix !== undefined) checks.push({ key: tokenPrefix + subject, limit: limit.tokensPerMinute!, take: 0, kind: 'tokens', owner: limit });
  }
  return checks;
}

function tokensOf(o: RequestOutcome, kind: RateLimitConfig['tokens']): number {
  const u = o.info?.usage;
  if (!u) return 0;
  const n = kind === 'input' ? u.input : kind === 'output' ? u.output : (u.total ?? (u.input ?? 0) + (u.output ?? 0));
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
}

const HEADER_NAMES = {
  requests: ['x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'],
  tokens: ['x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
} as const;

/** The `x-ratelimit-*` headers of the tightest counter of each kind. */
function rateLimitHeaders(checks: readonly LimitCheck[], counts: readonly BucketCounts[], now: number): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  for (const kind of ['requests', 'tokens'] as const) {
    let best = -1;
    let bestRemaining = Infinity;
    for (let i = 0; i < checks.length; i++) {
      if (checks[i]!.kind !== kind) continue;
      const n = counts[i]!;
      const remaining = Math.max(0, Math.floor(checks[i]!.limit - estimate(n.previous, n.current, now)));
      if (remaining >= bestRemaining) continue;
      best = i;
      bestRemaining = remaining;
    }
    if (best < 0) continue;
    const limit = checks[best]!.limit;
    const n = counts[best]!;
    const names = HEADER_NAMES[kind];
    out.push([names[0], String(limit)], [names[1], String(bestRemaining)], [names[2], formatResetDuration(waitMs(n.previous, n.current, limit, limit, now))]);
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
    storeErrors: meter.createCounter('llm_extproc.rate_limit.store_errors', { description: 'Rate-limit counter calls that failed (store unreachable or slow); the failure mode decided (background syncs too)', unit: '{call}' }),
  };
}

/**
 * The rate-limits hook of `config` over the process's counter store. The limits are planned
 * once (counter key prefixes); a store that answers synchronously (memory) is answered
 * synchronously, without a promise; the `x-ratelimit-*` headers of an admitted request are
 * formatted when its response headers arrive.
 */
export function rateLimitsHook(config: Config, deps: RateLimitsHookDeps, instruments: RateLimitInstruments): Hook {
  const now = deps.now ?? Date.now;
  const failOpen = config.rateLimits.failureMode === 'open';
  const errorAttributes = { 'llm_extproc.rate_limit.failure_mode': config.rateLimits.failureMode };
  const planned = config.rateLimits.limits.map(plan);
  const store = deps.store;

  const decide = (checks: readonly LimitCheck[], result: TakeResult, at: number): RequestHookResult => {
    if (result.refused === undefined) return { context: { checks, counts: result.counts, at } satisfies Admitted };
    const i = result.refused;
    const check = checks[i]!;
    const n = result.counts[i]!;
    const wait = waitMs(n.previous, n.current, check.limit, 1, at);
    const ms = Number.isFinite(wait) ? wait : 60_000;
    instruments.limited.add(1, { 'llm_extproc.rate_limit.name': check.owner.name, 'llm_extproc.rate_limit.kind': check.kind });
    const replyHeaders = Object.fromEntries([...rateLimitHeaders(checks, result.counts, at), ['retry-after', String(Math.max(1, Math.ceil(ms / 1000)))], ['retry-after-ms', String(ms)]]);
    return {
      answer: new RateLimitedError({ name: check.owner.name, limit: `${check.limit} ${check.kind}`, retryAfterSeconds: Math.ceil(ms / 1000) }, replyHeaders),
    };
  };
  const unavailable = (err: unknown): undefined => {
    if (!(err instanceof CounterStoreError)) throw err;
    instruments.storeErrors.add(1, errorAttributes);
    if (failOpen) return undefined;
    throw clientError('rate_limit_unavailable');
  };
  const chargeFailed = (err: unknown): void => {
    instruments.storeErrors.add(1, errorAttributes);
    deps.logger.debug({ err: { message: (err as Error).message } }, 'rate-limit tokens not charged');
  };

  return {
    name: 'rate-limits',
    onRequest(req) {
      if (req.kind === 'listing' || req.kind === 'passthrough') return undefined;
      const checks = checksFor(limitsFor(planned, req), req);
      if (checks.length === 0) return undefined;
      const at = now();
      let result: TakeResult | Promise<TakeResult>;
      try {
        result = store.take(checks, at);
      } catch (err) {
        return unavailable(err);
      }
      if (result instanceof Promise) return result.then((r) => decide(checks, r, at), unavailable);
      return decide(checks, result, at);
    },
    onResponseHeaders(_res, _req, context) {
      const c = context as Admitted | undefined;
      return c ? { set: rateLimitHeaders(c.checks, c.counts, c.at) } : undefined;
    },
    onOutcome(o, context) {
      const c = context as Admitted | undefined;
      // A request a hook answered itself (a response cache hit) used no provider tokens.
      if (!c || o.answeredBy !== undefined) return;
      let at: number | undefined;
      for (const check of c.checks) {
        if (check.kind !== 'tokens') continue;
        const amount = tokensOf(o, check.owner.tokens);
        if (amount === 0) continue;
        const added = store.add(check.key, amount, (at ??= now()));
        if (added) added.catch(chargeFailed);
      }
    },
  };
}
