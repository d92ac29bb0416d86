import { describe, expect, it } from 'vitest';
import { NoMatchingRuleError, type Router } from '../routing/router.js';
import { checkRouterContract, type RouterCase } from './router-contract.js';

/** A well-behaved router: gpt-* → openai, premium tenant → premium, else no match. */
const good: Router = {
  calculate(headers) {
    if (headers['x-tenant'] === 'premium') return 'premium';
    if (headers['x-ai-eg-model']?.startsWith('gpt-')) return 'openai';
    throw new NoMatchingRuleError();
  },
};

const FAST = { concurrency: 20 } as const;

describe('checkRouterContract', () => {
  it('finds no problem in a conforming router, sync or async', async () => {
    expect(await checkRouterContract(good, FAST)).toEqual([]);
    const asyncGood: Router = { calculate: async (h, r) => good.calculate(h, r) };
    expect(await checkRouterContract(asyncGood, FAST)).toEqual([]);
  });

  it('checks the given cases, including "no matching rule" (null)', async () => {
    const cases: RouterCase[] = [
      { headers: { 'x-ai-eg-model': 'gpt-4o' }, expect: 'openai' },
      { headers: { 'x-ai-eg-model': 'llama-3' }, expect: null },
      { headers: { 'x-ai-eg-model': 'gpt-4o', 'x-tenant': 'premium' }, expect: 'premium' },
    ];
    expect(await checkRouterContract(good, { ...FAST, cases })).toEqual([]);
    const wrong: RouterCase[] = [
      { headers: { 'x-ai-eg-model': 'gpt-4o' }, expect: 'anthropic' },
      { headers: { 'x-ai-eg-model': 'llama-3' }, expect: 'openai' },
      { headers: { 'x-ai-eg-model': 'gpt-5' }, expect: null },
    ];
    expect(await checkRouterContract(good, { ...FAST, cases: wrong })).toEqual([
      '{"x-ai-eg-model":"gpt-4o"}: expected rule "anthropic", got rule "openai"',
      '{"x-ai-eg-model":"llama-3"}: expected rule "openai", got NoMatchingRuleError',
      '{"x-ai-eg-model":"gpt-5"}: expected NoMatchingRuleError, got rule "openai"',
    ]);
  });

  it('passes the request facts of a case as the second argument', async () => {
    const seen: unknown[] = [];
    const router: Router = {
      calculate(_h, request) {
        if (request) seen.push({ api: request.api, model: request.model, stream: request.stream, body: request.body() });
        return 'r';
      },
    };
    await checkRouterContract(router, {
      concurrency: 1,
      cases: [{ headers: { 'x-ai-eg-model': 'gpt-4o' }, request: { stream: true, body: { model: 'gpt-4o' } }, expect: 'r' }],
    });
    expect(seen[0]).toEqual({ api: 'openai.chat_completions', model: 'gpt-4o', stream: true, body: { model: 'gpt-4o' } });
  });

  it('reports a router that throws a plain Error', async () => {
    const router: Router = {
      calculate(headers) {
        if (headers['x-ai-eg-model']?.startsWith('gpt-')) return 'openai';
        throw new Error('unknown model');
      },
    };
    const problems = await checkRouterContract(router, FAST);
    expect(problems).toContain('{"x-ai-eg-model":""}: threw error unknown model; only NoMatchingRuleError may be thrown');
    expect(problems).toContain('without request argument: threw error unknown model');
  });

  it('reports a router that answers an empty string or a non-string', async () => {
    expect(await checkRouterContract({ calculate: () => '' }, FAST)).toContain(
      '{"x-ai-eg-model":"gpt-4o-mini",":path":"/v1/chat/completions"}: answered ""; a rule name must be a non-empty string',
    );
    const numeric = { calculate: () => 7 } as unknown as Router;
    expect(await checkRouterContract(numeric, FAST)).toContain('{}: answered 7; a rule name must be a non-empty string');
  });

  it('reports a slow router, and does not hang on one that never answers', async () => {
    const slow: Router = { calculate: () => new Promise((r) => setTimeout(() => r('late'), 30)) };
    const slowProblems = await checkRouterContract(slow, { budgetMs: 10, concurrency: 4 });
    expect(slowProblems.some((p) => /took \d+\.\d ms, over the 10 ms budget/.test(p))).toBe(true);

    const hung: Router = { calculate: () => new Promise<string>(() => undefined) };
    const hungProblems = await checkRouterContract(hung, { budgetMs: 10, concurrency: 4 });
    expect(hungProblems).toContain('{}: threw error no answer after 50 ms; only NoMatchingRuleError may be thrown');
    expect(hungProblems.some((p) => p.startsWith('{}: took') && p.endsWith('over the 10 ms budget'))).toBe(true);
  });

  it('reports a router that mutates the headers (they are frozen; ES modules are strict)', async () => {
    const mutating: Router = {
      calculate(headers) {
        (headers as Record<string, string>)['x-routed'] = 'yes';
        return 'openai';
      },
    };
    const problems = await checkRouterContract(mutating, FAST);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/threw error .*(read.only|not extensible).* \(headers are read-only\); only NoMatchingRuleError may be thrown/);

    const deleting: Router = {
      calculate(headers) {
        delete (headers as Record<string, string>)['x-ai-eg-model'];
        return 'openai';
      },
    };
    expect((await checkRouterContract(deleting, FAST)).some((p) => p.includes('(headers are read-only)'))).toBe(true);
  });

  it('reports a router that answers differently under concurrency (shared mutable state)', async () => {
    let current: string | undefined; // shared across calls: the classic bug
    const racy: Router = {
      async calculate(headers) {
        current = headers['x-ai-eg-model'];
        await new Promise((r) => setImmediate(r));
        if (current?.startsWith('gpt-')) return 'openai';
        throw new NoMatchingRuleError();
      },
    };
    const problems = await checkRouterContract(racy, { concurrency: 40 });
    expect(problems.some((p) => /^concurrent call \d+: got .*, sequentially /.test(p))).toBe(true);
    // Capped: at most 5 examples plus a count.
    expect(problems.filter((p) => p.startsWith('concurrent call')).length).toBeLessThanOrEqual(5);
    expect(problems.some((p) => /^… and \d+ more concurrent calls answered differently$/.test(p))).toBe(true);
  });

  it('reports a router that needs the optional request argument', async () => {
    const needsRequest: Router = {
      calculate(_h, request) {
        if (request!.stream) return 'streaming';
        throw new NoMatchingRuleError();
      },
    };
    const problems = await checkRouterContract(needsRequest, FAST);
    expect(problems.some((p) => p.startsWith('without request argument: threw error'))).toBe(true);
  });

  it('accepts a NoMatchingRuleError from another copy of the package (same name)', async () => {
    class Copy extends Error {
      override name = 'NoMatchingRuleError';
    }
    expect(await checkRouterContract({ calculate: () => { throw new Copy('none'); } }, FAST)).toEqual([]);
  });
});
