/**
 * Runs a generation's hook list for one request: `onRequestHeaders`, then `onRequest` in list
 * order (each seeing the body and caller as earlier hooks left them, stopping at the first
 * answer), `onForward` once the request goes upstream, the response hooks of the hooks that
 * saw the request, and `onOutcome` once, off the hot path. Holds each hook's per-request
 * context. A hook that throws a {@link UserFacingError} answers with it; any other throw from
 * `onRequest` is an internal error of the request (user hooks come wrapped: see
 * src/hooks/user-hooks.ts). Response and outcome hooks only observe: a throw is logged.
 */
import type { Logger } from 'pino';
import { isUserFacing, type UserFacingError } from '../errors.js';
import { isAnswer, type Hook, type HookRequest, type HookResponseStart, type LocalResponse, type RequestStart } from '../hooks/hook.js';
import type { RequestOutcome } from '../hooks/outcome.js';
import type { HeaderChanges } from '../hooks/phase.js';

/** A request as the processor fills it in and the runner updates it between hooks. */
export type MutableHookRequest = { -readonly [K in keyof HookRequest]: HookRequest[K] };

/** A request before its headers arrived: the object the processor fills in as phases come. */
export function newHookRequest(config: HookRequest['config']): MutableHookRequest {
  return {
    kind: 'passthrough',
    method: 'GET',
    path: '/',
    headers: {},
    api: undefined,
    config,
    model: undefined,
    stream: false,
    rule: undefined,
    backend: undefined,
    sentModel: undefined,
    upstreamPath: '/',
    body: undefined,
    requestId: undefined,
    traceId: undefined,
    caller: undefined,
  };
}

/** What the request hooks decided. */
export type RequestHooksResult =
  | { readonly kind: 'continue'; readonly headers: ReadonlyArray<HeaderChanges | undefined>; readonly bodyChanged: boolean }
  | { readonly kind: 'answer'; readonly hook: string; readonly answer: UserFacingError | LocalResponse };

function isThenable<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** The hook list run for one request. */
export class HookRun {
  /** Per-hook context from `onRequest`, by list position; undefined until a hook saw the request. */
  private contexts: unknown[] | undefined;
  /** How many hooks' `onRequest` ran (response and outcome hooks go to those only). */
  private reached = 0;
  private request: HookRequest | undefined;

  constructor(
    private readonly hooks: readonly Hook[],
    private readonly logger: Logger,
  ) {}

  /** Runs `onRequestHeaders` of every hook; the first answer wins. */
  async requestHeaders(req: RequestStart): Promise<{ hook: string; answer: UserFacingError | LocalResponse } | undefined> {
    for (const hook of this.hooks) {
      if (!hook.onRequestHeaders) continue;
      try {
        const r = hook.onRequestHeaders(req);
        const result = isThenable(r) ? await r : r;
        if (isAnswer(result)) return { hook: hook.name, answer: result.answer };
      } catch (err) {
        if (isUserFacing(err)) return { hook: hook.name, answer: err };
        throw err;
      }
    }
    return undefined;
  }

  /** Runs `onRequest` in list order on `req`, updating its body and caller as hooks change them. */
  async run(req: MutableHookRequest): Promise<RequestHooksResult> {
    this.request = req;
    const headers: Array<HeaderChanges | undefined> = [];
    let bodyChanged = false;
    for (let i = 0; i < this.hooks.length; i++) {
      const hook = this.hooks[i]!;
      this.reached = i + 1;
      if (!hook.onRequest) continue;
      let result;
      try {
        const r = hook.onRequest(req);
        result = isThenable(r) ? await r : r;
      } catch (err) {
        if (isUserFacing(err)) return { kind: 'answer', hook: hook.name, answer: err };
        throw err;
      }
      if (!result) continue;
      if (result.context !== undefined) (this.contexts ??= [])[i] = result.context;
      if (isAnswer(result)) return { kind: 'answer', hook: hook.name, answer: result.answer };
      if (result.headers) headers.push(result.headers);
      if (result.body) {
        req.body = result.body;
        bodyChanged = true;
      }
      if (result.caller) req.caller = result.caller;
    }
    return { kind: 'continue', headers, bodyChanged };
  }

  /** The request goes upstream: `onForward` of every hook. */
  forward(): void {
    const req = this.request;
    if (!req) return;
    for (let i = 0; i < this.reached; i++) {
      const hook = this.hooks[i]!;
      if (!hook.onForward) continue;
      try {
        hook.onForward(req, this.contexts?.[i]);
      } catch (err) {
        this.logger.error({ err, hook: hook.name }, 'hook onForward failed');
      }
    }
  }

  /** Response headers: the merged-in-order changes of the hooks that saw the request. */
  responseHeaders(res: HookResponseStart): Array<HeaderChanges | undefined> {
    const req = this.request;
    const out: Array<HeaderChanges | undefined> = [];
    if (!req) return out;
    for (let i = 0; i < this.reached; i++) {
      const hook = this.hooks[i]!;
      if (!hook.onResponseHeaders) continue;
      try {
        const c = hook.onResponseHeaders(res, req, this.contexts?.[i]);
        if (c) out.push(c);
      } catch (err) {
        this.logger.error({ err, hook: hook.name }, 'hook onResponseHeaders failed');
      }
    }
    return out;
  }

  /** True when some hook that saw the request observes response bodies. */
  get observesBody(): boolean {
    for (let i = 0; i < this.reached; i++) if (this.hooks[i]!.onResponseBody) return true;
    return false;
  }

  /** One response body chunk, as the client gets it. */
  responseBody(chunk: Buffer, endOfStream: boolean): void {
    const req = this.request;
    if (!req) return;
    for (let i = 0; i < this.reached; i++) {
      const hook = this.hooks[i]!;
      if (!hook.onResponseBody) continue;
      try {
        hook.onResponseBody(chunk, endOfStream, req, this.contexts?.[i]);
      } catch (err) {
        this.logger.error({ err, hook: hook.name }, 'hook onResponseBody failed');
      }
    }
  }

  /**
   * The request ended: `onOutcome` of every hook (all of them: the ledger and the service
   * counters record requests no hook admitted too), after the current reply went out.
   */
  outcome(o: RequestOutcome): void {
    setImmediate(() => {
      for (let i = 0; i < this.hooks.length; i++) {
        const hook = this.hooks[i]!;
        if (!hook.onOutcome) continue;
        try {
          hook.onOutcome(o, this.contexts?.[i]);
        } catch (err) {
          this.logger.error({ err, hook: hook.name }, 'hook onOutcome failed');
        }
      }
    });
  }
}
