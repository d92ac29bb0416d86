import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { RouteDecider, isNoMatchingRule, type RouteDeciderOptions } from './route-decider.js';
import { NoMatchingRuleError, type RouteRequest, type Router } from './router.js';

const logger = pino({ level: 'silent' });
const request: RouteRequest = { api: 'openai.chat_completions', model: 'gpt-4o', stream: false, method: 'POST', path: '/v1/chat/completions', body: () => ({}) };
const headers = Object.freeze({ 'x-ai-eg-model': 'gpt-4o' });

const defaultRouter: Router = {
  calculate: (h) => {
    if (h['x-ai-eg-model']?.startsWith('gpt-')) return 'openai';
    throw new NoMatchingRuleError(`no rule matches model ${JSON.stringify(h['x-ai-eg-model'])}`);
  },
};

function decider(router: Router, opts: Partial<RouteDeciderOptions> = {}): RouteDecider {
  return new RouteDecider({ router, defaultRouter, timeoutMs: 30, failureMode: 'closed', logger, ...opts });
}

/** A promise settled by hand, to make a router answer when the test says so. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('RouteDecider', () => {
  it('passes headers and request through and answers the rule of a sync router', async () => {
    let seen: unknown[] = [];
    const router: Router = { calculate: (...args) => ((seen = args), 'premium') };
    expect(await decider(router).decide(headers, request)).toEqual({ kind: 'rule', name: 'premium' });
    expect(seen).toEqual([headers, request]);
  });

  it('treats an answer naming no configured rule as a router failure, under the failure mode', async () => {
    const ruleNames = new Set(['openai', 'premium']);
    const typo: Router = { calculate: async () => 'premuim' };
    const closed = await decider(typo, { ruleNames }).decide(headers, request);
    expect(closed).toMatchObject({ kind: 'failed' });
    expect((closed as { reason: string }).reason).toBe('router returned "premuim", which is not a configured rule (rules: "openai", "premium")');
    expect(await decider(typo, { ruleNames, failureMode: 'open' }).decide(headers, request)).toEqual({ kind: 'rule', name: 'openai', fallback: true });
    expect(await decider({ calculate: () => 'premium' }, { ruleNames }).decide(headers, request)).toEqual({ kind: 'rule', name: 'premium' });
  });

  it('answers the rule of an async router within budget', async () => {
    const router: Router = { calculate: async () => 'premium' };
    expect(await decider(router).decide(headers, request)).toEqual({ kind: 'rule', name: 'premium' });
  });

  it('turns NoMatchingRuleError (sync or async) into none with its message', async () => {
    const sync: Router = { calculate: () => { throw new NoMatchingRuleError('nothing for llama'); } };
    const asyncR: Router = { calculate: async () => { throw new NoMatchingRuleError('nothing async'); } };
    expect(await decider(sync).decide(headers, request)).toEqual({ kind: 'none', reason: 'nothing for llama' });
    expect(await decider(asyncR).decide(headers, request)).toEqual({ kind: 'none', reason: 'nothing async' });
    // Never falls back: "no matching rule" is an answer, not a failure.
    expect(await decider(sync, { failureMode: 'open' }).decide(headers, request)).toEqual({ kind: 'none', reason: 'nothing for llama' });
  });

  it('recognises a NoMatchingRuleError from another copy of the package by its name', async () => {
    class NoMatchingRuleErrorCopy extends Error {
      override name = 'NoMatchingRuleError';
    }
    const router: Router = { calculate: () => { throw new NoMatchingRuleErrorCopy('copy'); } };
    expect(isNoMatchingRule(new NoMatchingRuleErrorCopy('x'))).toBe(true);
    expect(isNoMatchingRule(new Error('x'))).toBe(false);
    expect(isNoMatchingRule({ name: 'NoMatchingRuleError' })).toBe(false);
    expect(await decider(router).decide(headers, request)).toEqual({ kind: 'none', reason: 'copy' });
  });

  describe('budget', () => {
    it('fails a router whose promise never settles, once the budget is spent', async () => {
      const router: Router = { calculate: () => new Promise<string>(() => undefined) };
      const started = performance.now();
      const decision = await decider(router, { timeoutMs: 25 }).decide(headers, request);
      expect(decision).toEqual({ kind: 'failed', reason: 'router exceeded its 25 ms budget' });
      expect(performance.now() - started).toBeGreaterThanOrEqual(20);
    });

    it('ignores a late answer and a late rejection after the budget', async () => {
      const late = deferred<string>();
      const lateReject = deferred<string>();
      const routers = [late, lateReject].map((d): Router => ({ calculate: () => d.promise }));
      const d1 = await decider(routers[0]!, { timeoutMs: 10 }).decide(headers, request);
      const d2 = await decider(routers[1]!, { timeoutMs: 10 }).decide(headers, request);
      late.resolve('too-late');
      lateReject.reject(new Error('late failure')); // must not become an unhandled rejection
      await Promise.resolve();
      expect(d1).toEqual({ kind: 'failed', reason: 'router exceeded its 10 ms budget' });
      expect(d2).toEqual({ kind: 'failed', reason: 'router exceeded its 10 ms budget' });
    });

    it('in failure mode open, answers with the default router once the budget is spent', async () => {
      const router: Router = { calculate: () => new Promise<string>(() => undefined) };
      expect(await decider(router, { timeoutMs: 10, failureMode: 'open' }).decide(headers, request)).toEqual({ kind: 'rule', name: 'openai', fallback: true });
    });

    it('accepts an answer that arrives inside the budget, after other work', async () => {
      const router: Router = { calculate: () => new Promise<string>((r) => setImmediate(() => r('slow-but-ok'))) };
      expect(await decider(router, { timeoutMs: 1000 }).decide(headers, request)).toEqual({ kind: 'rule', name: 'slow-but-ok' });
    });
  });

  describe('failure modes', () => {
    const throwing: Router = { calculate: () => { throw new Error('lookup service down'); } };

    it('closed: a throwing router fails the request with its message', async () => {
      expect(await decider(throwing).decide(headers, request)).toEqual({ kind: 'failed', reason: 'lookup service down' });
    });

    it('open: a throwing router falls back to the default router', async () => {
      expect(await decider(throwing, { failureMode: 'open' }).decide(headers, request)).toEqual({ kind: 'rule', name: 'openai', fallback: true });
    });

    it('open: the fallback default router may answer no matching rule', async () => {
      const llama = Object.freeze({ 'x-ai-eg-model': 'llama-3' });
      expect(await decider(throwing, { failureMode: 'open' }).decide(llama, request)).toEqual({ kind: 'none', reason: 'no rule matches model "llama-3"' });
    });

    it('open: a failing default router itself is a failure, with the original reason', async () => {
      const broken: Router = { calculate: () => { throw new Error('default broken'); } };
      const d = new RouteDecider({ router: throwing, defaultRouter: broken, timeoutMs: 10, failureMode: 'open', logger });
      expect(await d.decide(headers, request)).toEqual({ kind: 'failed', reason: 'lookup service down' });
    });

    it('open: when the default router is the one in charge, its failure is final', async () => {
      const d = new RouteDecider({ router: throwing, defaultRouter: throwing, timeoutMs: 10, failureMode: 'open', logger });
      expect(await d.decide(headers, request)).toEqual({ kind: 'failed', reason: 'lookup service down' });
    });

    it('a thrown non-Error is reported as text', async () => {
      const router: Router = { calculate: () => { throw 'plain string'; } };
      expect(await decider(router).decide(headers, request)).toEqual({ kind: 'failed', reason: 'plain string' });
    });
  });

  describe('a router answering something other than a rule name', () => {
    it.each([
      ['a number', 42, 'router returned 42 instead of a rule name'],
      ['undefined', undefined, 'router returned undefined instead of a rule name'],
      ['null', null, 'router returned null instead of a rule name'],
      ['an object', { rule: 'a' }, 'router returned {"rule":"a"} instead of a rule name'],
      ['an empty string', '', 'router returned "" instead of a rule name'],
    ])('%s (sync and async) is a failure', async (_label, value, reason) => {
      const sync = { calculate: () => value } as unknown as Router;
      const asyncR = { calculate: async () => value } as unknown as Router;
      expect(await decider(sync).decide(headers, request)).toEqual({ kind: 'failed', reason });
      expect(await decider(asyncR).decide(headers, request)).toEqual({ kind: 'failed', reason });
      expect(await decider(sync, { failureMode: 'open' }).decide(headers, request)).toEqual({ kind: 'rule', name: 'openai', fallback: true });
    });
  });

  it('logs a router failure with the failure mode', async () => {
    const lines: string[] = [];
    const spy = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    const router: Router = { calculate: () => { throw new Error('boom'); } };
    await new RouteDecider({ router, defaultRouter, timeoutMs: 10, failureMode: 'closed', logger: spy }).decide(headers, request);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'router failed', failureMode: 'closed', err: { message: 'boom' } });
  });
});
