import { describe, expect, it } from 'vitest';
import { loadEmbeddedDefault } from './config/load.js';
import { HeaderMatchRouter } from './routing/header-match-router.js';
import { NoMatchingRuleError } from './routing/router.js';
import { checkRouterContract, describeRouterContract, fakeDefaultRouter, fakeRouterContext } from './testing.js';
import * as main from './index.js';

const defaults = loadEmbeddedDefault().config;

// Our own default router, held to the contract users run against theirs.
describeRouterContract('default HeaderMatchRouter (embedded default config)', () => new HeaderMatchRouter(defaults.rules, defaults.modelNameHeaderKey), {
  cases: [
    { headers: { 'x-ai-eg-model': 'gpt-4o-mini' }, expect: 'openai' },
    { headers: { 'x-ai-eg-model': 'claude-sonnet-4-5' }, expect: 'anthropic' },
    { headers: { 'x-ai-eg-model': 'gemini-2.5-flash' }, expect: 'gemini' },
    { headers: { 'x-ai-eg-model': 'llama-3' }, expect: null },
  ],
});

describe('llm-extproc/testing helpers', () => {
  it('fakeDefaultRouter answers its rule, or NoMatchingRuleError without one', () => {
    expect(fakeDefaultRouter('openai').calculate({})).toBe('openai');
    expect(() => fakeDefaultRouter().calculate({})).toThrow(NoMatchingRuleError);
  });

  it('fakeRouterContext carries options and config with a working silent logger and meter', () => {
    const ctx = fakeRouterContext({ rule: 'premium' }, { modelNameHeaderKey: 'x-model' });
    expect(ctx.options).toEqual({ rule: 'premium' });
    expect(ctx.config.modelNameHeaderKey).toBe('x-model');
    expect(ctx.config.rules.map((r) => r.name)).toEqual(['openai', 'anthropic', 'gemini']);
    expect(() => ctx.logger.info('quiet')).not.toThrow();
    expect(() => ctx.meter.createCounter('c').add(1)).not.toThrow();
  });

  it('checkRouterContract is also exported from the main entry point (for other test runners)', async () => {
    expect(main.checkRouterContract).toBe(checkRouterContract);
    expect(await main.checkRouterContract(fakeDefaultRouter('a'), { concurrency: 5 })).toEqual([]);
  });
});
