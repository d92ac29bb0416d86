/**
 * The hook contract, runnable against any hook (ours, or a user's module) with any test runner:
 * {@link checkHookContract} returns the list of problems (empty when the hook keeps the
 * contract). `describeHookContract` in `llm-extproc/testing` wraps it in a vitest suite.
 *
 * What it checks: a non-empty `name`; only known methods, each a function; for every sample
 * request, `onRequestHeaders` and `onRequest` answer well-formed results (nothing, changes, or
 * an answer) within the time budget, throw nothing but user-facing errors, never change the
 * request they are given, and answer the same when called concurrently as when called alone;
 * response and outcome methods accept what `onRequest` returned as context without throwing;
 * `onAttempt` answers well-formed results at both stages.
 */
import { isDeepStrictEqual } from 'node:util';
import { configSchema } from '../config/schema.js';
import type { Hook, HookAttempt, HookAttemptResponse, HookRequest } from '../hooks/hook.js';
import type { RequestOutcome } from '../hooks/outcome.js';
import { asUserFacing, hookResultProblem } from '../hooks/user-hooks.js';

/** Options of {@link checkHookContract}. */
export interface HookContractOptions {
  /** Requests to run the hook on (default: one of each kind, see {@link fakeHookRequest}). */
  readonly requests?: readonly HookRequest[];
  /** Time budget of one call, in ms (default 200, the default `hooks[].timeoutMs`). */
  readonly budgetMs?: number;
  /** Concurrent calls per request in the sharing check (default 20). */
  readonly concurrency?: number;
}

const KNOWN = new Set(['name', 'onRequestHeaders', 'onRequest', 'onForward', 'onResponseHeaders', 'onResponseBody', 'onOutcome', 'attemptNeedsBody', 'onAttempt', 'onAttemptResponse']);

const DEFAULT_CONFIG = configSchema.parse({});

/** A request as hooks see it, with realistic defaults: a routed OpenAI chat completion. */
export function fakeHookRequest(overrides: Partial<HookRequest> = {}): HookRequest {
  const body = Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }] }));
  return {
    kind: 'routed',
    method: 'POST',
    path: '/v1/chat/completions',
    upstreamPath: overrides.path ?? '/v1/chat/completions',
    headers: { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'gateway.local', 'content-type': 'application/json', 'x-request-id': 'req-1' },
    api: { id: 'openai.chat_completions', provider: 'openai', operation: 'chat', errorShape: 'openai' },
    config: DEFAULT_CONFIG,
    model: 'gpt-4o-mini',
    stream: false,
    rule: 'openai',
    backend: undefined,
    sentModel: undefined,
    body,
    requestId: 'req-1',
    traceId: 'trace-1',
    caller: undefined,
    ...overrides,
  };
}

/** An upstream attempt as hooks see it (stage `headers`, no body held). */
export function fakeHookAttempt(overrides: Partial<HookAttempt> = {}): HookAttempt {
  return {
    stage: 'headers',
    cluster: 'backend_openai',
    backend: undefined,
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { ':method': 'POST', ':path': '/v1/chat/completions', 'x-ai-eg-selected-route': 'openai' },
    body: undefined,
    rule: 'openai',
    api: { id: 'openai.chat_completions', provider: 'openai', operation: 'chat', errorShape: 'openai' },
    config: DEFAULT_CONFIG,
    ...overrides,
  };
}

/** The outcome of a request that ended well. */
export function fakeOutcome(overrides: Partial<RequestOutcome> = {}): RequestOutcome {
  return {
    api: 'openai.chat_completions',
    method: 'POST',
    path: '/v1/chat/completions',
    model: 'gpt-4o-mini',
    rule: 'openai',
    stream: false,
    status: 200,
    errorType: undefined,
    durationMs: 12,
    info: { usage: { input: 10, output: 5, total: 15 }, model: 'gpt-4o-mini-2024-07-18' },
    requestId: 'req-1',
    traceId: 'trace-1',
    ...overrides,
  };
}

/** Sample requests of every kind. */
function samples(): HookRequest[] {
  const routed = fakeHookRequest();
  return [
    routed,
    fakeHookRequest({ stream: true, body: Buffer.from('{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}') }),
    fakeHookRequest({ kind: 'unrouted', rule: undefined, model: undefined, body: undefined }),
    fakeHookRequest({ kind: 'listing', method: 'GET', path: '/v1/models', upstreamPath: '/v1/models', api: undefined, model: undefined, rule: undefined, body: Buffer.alloc(0) }),
    fakeHookRequest({ kind: 'passthrough', method: 'GET', path: '/healthz', upstreamPath: '/healthz', api: undefined, model: undefined, rule: undefined, body: undefined }),
    fakeHookRequest({
      path: '/v1/messages',
      upstreamPath: '/v1/messages',
      api: { id: 'anthropic.messages', provider: 'anthropic', operation: 'chat', errorShape: 'anthropic' },
      model: 'claude-sonnet-4-5',
      rule: 'anthropic',
      body: Buffer.from('{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}'),
    }),
  ];
}

function frozen(req: HookRequest): HookRequest {
  return Object.freeze({ ...req, headers: Object.freeze({ ...req.headers }) });
}

/** Calls `fn`, timing it: its result, or the error it threw. */
async function timed(fn: () => unknown): Promise<{ ms: number; value?: unknown; error?: unknown }> {
  const started = performance.now();
  try {
    const value = await fn();
    return { ms: performance.now() - started, value };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** A thrown answer in the shape of a UserFacingError (ours, or a module's own class), as the loader takes it. */
function isErrorAnswer(err: unknown): boolean {
  return asUserFacing(err) !== undefined;
}

/** Summary of a result for comparisons (Buffers by content). */
function comparable(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v ?? null, (_k, x: unknown) => (x && typeof x === 'object' && (x as { type?: unknown }).type === 'Buffer' ? Buffer.from((x as { data: number[] }).data).toString('base64') : x instanceof Error ? { error: x.message } : x)));
}

/** Runs the contract against `hook`; returns the problems found (empty: the hook keeps it). */
export async function checkHookContract(hook: Hook, options: HookContractOptions = {}): Promise<string[]> {
  const problems: string[] = [];
  const budget = options.budgetMs ?? 200;
  const concurrency = options.concurrency ?? 20;
  if (typeof hook !== 'object' || hook === null) return ['the hook is not an object'];
  if (typeof hook.name !== 'string' || hook.name === '') problems.push('name must be a non-empty string');
  const members = Object.keys(hook).concat(Object.getOwnPropertyNames(Object.getPrototypeOf(hook) ?? {}).filter((k) => k !== 'constructor'));
  for (const k of members) {
    if (!KNOWN.has(k) && /^on[A-Z]/.test(k)) problems.push(`unknown hook method ${k}`);
  }
  for (const k of KNOWN) {
    const v = (hook as unknown as Record<string, unknown>)[k];
    if (k !== 'name' && v !== undefined && typeof v !== 'function') problems.push(`${k} must be a function`);
  }
  if (![...KNOWN].some((k) => k !== 'name' && typeof (hook as unknown as Record<string, unknown>)[k] === 'function')) problems.push('the hook implements no method');
  if (problems.length) return problems;

  for (const req of options.requests ?? samples()) {
    const label = `${req.kind} ${req.method} ${req.path}`;
    if (hook.onRequestHeaders) {
      const r = await timed(() => hook.onRequestHeaders!(frozen(req)));
      if (r.error !== undefined && !isErrorAnswer(r.error)) problems.push(`onRequestHeaders threw on ${label}: ${describeError(r.error)}`);
      if (r.ms > budget) problems.push(`onRequestHeaders took ${r.ms.toFixed(1)} ms on ${label} (budget ${budget} ms)`);
      const bad = r.error === undefined ? hookResultProblem(r.value) : undefined;
      if (bad) problems.push(`onRequestHeaders on ${label}: ${bad}`);
    }
    let context: unknown;
    if (hook.onRequest) {
      const input = frozen(req);
      const r = await timed(() => hook.onRequest!(input));
      if (r.error !== undefined && !isErrorAnswer(r.error)) problems.push(`onRequest threw on ${label}: ${describeError(r.error)}`);
      if (r.ms > budget) problems.push(`onRequest took ${r.ms.toFixed(1)} ms on ${label} (budget ${budget} ms)`);
      const bad = r.error === undefined ? hookResultProblem(r.value) : undefined;
      if (bad) problems.push(`onRequest on ${label}: ${bad}`);
      context = (r.value as { context?: unknown } | undefined)?.context;
      // Safe to share: the same request answered the same under concurrency.
      const alone = comparable(r.error ?? r.value);
      const together = await Promise.all(Array.from({ length: concurrency }, () => timed(() => hook.onRequest!(frozen(req)))));
      if (together.some((t) => !isDeepStrictEqual(comparable(t.error ?? t.value), alone))) problems.push(`onRequest answered differently under concurrency on ${label}`);
    }
    const observe = (what: string, fn: () => unknown): void => {
      try {
        fn();
      } catch (err) {
        problems.push(`${what} threw on ${label}: ${describeError(err)}`);
      }
    };
    if (hook.onForward) observe('onForward', () => hook.onForward!(frozen(req), context));
    if (hook.onResponseHeaders) {
      observe('onResponseHeaders', () => {
        const c = hook.onResponseHeaders!({ status: 200, headers: { ':status': '200', 'content-type': 'application/json' }, streaming: false }, frozen(req), context);
        const bad = c ? hookResultProblem({ headers: c }) : undefined;
        if (bad) problems.push(`onResponseHeaders on ${label}: ${bad}`);
      });
    }
    if (hook.onResponseBody) observe('onResponseBody', () => hook.onResponseBody!(Buffer.from('{"usage":{"total_tokens":3}}'), true, frozen(req), context));
    if (hook.onOutcome) observe('onOutcome', () => hook.onOutcome!(fakeOutcome({ api: req.api?.id, model: req.model, rule: req.rule }), context));
  }

  if (hook.onAttempt) {
    for (const attempt of [fakeHookAttempt(), fakeHookAttempt({ stage: 'body', body: Buffer.from('{"model":"gpt-4o-mini","messages":[]}') })]) {
      const r = await timed(() => hook.onAttempt!(Object.freeze({ ...attempt })));
      if (r.error !== undefined && !isErrorAnswer(r.error)) problems.push(`onAttempt threw at stage ${attempt.stage}: ${describeError(r.error)}`);
      if (r.ms > budget) problems.push(`onAttempt took ${r.ms.toFixed(1)} ms at stage ${attempt.stage} (budget ${budget} ms)`);
      const bad = r.error === undefined ? hookResultProblem(r.value) : undefined;
      if (bad) problems.push(`onAttempt at stage ${attempt.stage}: ${bad}`);
    }
  }
  if (hook.onAttemptResponse) {
    const { stage: _stage, body: _body, ...attempt } = fakeHookAttempt();
    const samples: HookAttemptResponse[] = [
      { status: 200, headers: { ':status': '200', 'content-type': 'application/json' } },
      { status: 429, headers: { ':status': '429', 'retry-after': '2', 'x-ratelimit-reset-tokens': '6m0s' } },
    ];
    for (const res of samples) {
      try {
        const c = hook.onAttemptResponse(Object.freeze(res), Object.freeze(attempt));
        const bad = c ? hookResultProblem({ headers: c }) : undefined;
        if (bad) problems.push(`onAttemptResponse on ${res.status}: ${bad}`);
      } catch (err) {
        problems.push(`onAttemptResponse threw on ${res.status}: ${describeError(err)}`);
      }
    }
  }
  return problems;
}
