/**
 * Calls the active router under a time budget and turns its answer into a decision:
 * a rule, "no matching rule" (404 to the client), or a router failure handled by the
 * configured failure mode (`closed` → 503, `open` → the default router's answer). An answer
 * naming a rule the config does not have counts as a failure.
 */
import type { Logger } from 'pino';
import { NoMatchingRuleError, type RouteRequest, type Router } from './router.js';

/** Outcome of one routing decision. */
export type RouteDecision =
  | { readonly kind: 'rule'; readonly name: string; readonly fallback?: boolean }
  | { readonly kind: 'none'; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string };

/** How the decider is set up. */
export interface RouteDeciderOptions {
  /** The router in charge (custom, or the default one). */
  readonly router: Router;
  /** The default header-match router, used by failure mode `open`. */
  readonly defaultRouter: Router;
  /** Time budget for an async router, in ms. */
  readonly timeoutMs: number;
  /** What to do when the router throws, runs over, or answers a rule that is not configured. */
  readonly failureMode: 'closed' | 'open';
  /**
   * The configured rule names. An answer outside them is a router failure (a typo would
   * otherwise reach Envoy as a header no route matches, and the client would get Envoy's 404).
   */
  readonly ruleNames?: ReadonlySet<string>;
  readonly logger: Logger;
}

class RouterTimeoutError extends Error {
  constructor(ms: number) {
    super(`router exceeded its ${ms} ms budget`);
  }
}

/**
 * True for a "no matching rule" answer: a {@link NoMatchingRuleError}, or an error named so
 * (a router module bundling its own copy of this package throws a different class).
 */
export function isNoMatchingRule(err: unknown): boolean {
  return err instanceof NoMatchingRuleError || (err instanceof Error && err.name === 'NoMatchingRuleError');
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Applies budget and failure mode around a router. One per config generation; safe to share. */
export class RouteDecider {
  constructor(private readonly opts: RouteDeciderOptions) {}

  /** Decides the rule for one request. Never throws. */
  async decide(headers: Readonly<Record<string, string>>, request: RouteRequest): Promise<RouteDecision> {
    try {
      const name = await this.callRouter(headers, request);
      if (typeof name !== 'string' || name === '') {
        throw new TypeError(`router returned ${JSON.stringify(name)} instead of a rule name`);
      }
      const rules = this.opts.ruleNames;
      if (rules && !rules.has(name)) {
        const known = [...rules].slice(0, 10).map((r) => JSON.stringify(r)).join(', ');
        throw new TypeError(`router returned ${JSON.stringify(name)}, which is not a configured rule (rules: ${known}${rules.size > 10 ? ', …' : ''})`);
      }
      return { kind: 'rule', name };
    } catch (err) {
      if (isNoMatchingRule(err)) return { kind: 'none', reason: (err as Error).message };
      return this.onFailure(err, headers, request);
    }
  }

  private callRouter(headers: Readonly<Record<string, string>>, request: RouteRequest): unknown {
    const answer = this.opts.router.calculate(headers, request);
    if (!isThenable(answer)) return answer; // synchronous routers pay no timer
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RouterTimeoutError(this.opts.timeoutMs)), this.opts.timeoutMs);
    });
    return Promise.race([answer, budget]).finally(() => clearTimeout(timer));
  }

  private async onFailure(err: unknown, headers: Readonly<Record<string, string>>, request: RouteRequest): Promise<RouteDecision> {
    const reason = err instanceof Error ? err.message : String(err);
    this.opts.logger.warn({ err, failureMode: this.opts.failureMode }, 'router failed');
    if (this.opts.failureMode === 'closed' || this.opts.router === this.opts.defaultRouter) {
      return { kind: 'failed', reason };
    }
    try {
      const name = await this.opts.defaultRouter.calculate(headers, request);
      return { kind: 'rule', name, fallback: true };
    } catch (fallbackErr) {
      if (isNoMatchingRule(fallbackErr)) return { kind: 'none', reason: (fallbackErr as Error).message };
      return { kind: 'failed', reason };
    }
  }
}
