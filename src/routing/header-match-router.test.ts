import { describe, expect, it } from 'vitest';
import { parseConfig, loadEmbeddedDefault } from '../config/load.js';
import { HeaderMatchRouter } from './header-match-router.js';
import { NoMatchingRuleError } from './router.js';

function routerFor(yaml: string): HeaderMatchRouter {
  const { config } = parseConfig(yaml, 'test.yaml');
  return new HeaderMatchRouter(config.rules, config.modelNameHeaderKey);
}

describe('HeaderMatchRouter', () => {
  it('routes the embedded default by model prefix', () => {
    const { config } = loadEmbeddedDefault();
    const router = new HeaderMatchRouter(config.rules, config.modelNameHeaderKey);
    expect(router.calculate({ 'x-ai-eg-model': 'gpt-4o-mini' })).toBe('openai');
    expect(router.calculate({ 'x-ai-eg-model': 'claude-sonnet-4-5' })).toBe('anthropic');
    expect(router.calculate({ 'x-ai-eg-model': 'gemini-2.5-flash' })).toBe('gemini');
    expect(() => router.calculate({ 'x-ai-eg-model': 'llama-3' })).toThrow(NoMatchingRuleError);
  });

  it('takes the first rule whose matchers all hold', () => {
    const router = routerFor(`
rules:
  - name: premium
    headers:
      - { name: x-ai-eg-model, prefix: "gpt-" }
      - { name: x-tenant, exact: premium }
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
  - name: catch-all
`);
    expect(router.calculate({ 'x-ai-eg-model': 'gpt-4o', 'x-tenant': 'premium' })).toBe('premium');
    expect(router.calculate({ 'x-ai-eg-model': 'gpt-4o', 'x-tenant': 'free' })).toBe('openai');
    expect(router.calculate({ 'x-ai-eg-model': 'gpt-4o' })).toBe('openai');
    // A rule without matchers matches everything.
    expect(router.calculate({ 'x-ai-eg-model': 'llama-3' })).toBe('catch-all');
    expect(router.calculate({})).toBe('catch-all');
  });

  it('names the model (from the configured model header) in the no-match error', () => {
    const router = routerFor(`
modelNameHeaderKey: X-Model
rules: [{ name: a, headers: [{ name: x-model, exact: a }] }]
`);
    expect(router.calculate({ 'x-model': 'a' })).toBe('a');
    expect(() => router.calculate({ 'x-model': 'llama-3' })).toThrow('no rule matches model "llama-3"');
    expect(() => router.calculate({})).toThrow('no rule matches model ""');
  });

  it('throws NoMatchingRuleError when there are no rules', () => {
    expect(() => routerFor('rules: []').calculate({ 'x-ai-eg-model': 'gpt-4o' })).toThrow(NoMatchingRuleError);
  });

  it('reads only the headers given, not properties inherited by plain objects', () => {
    const router = routerFor(`
rules:
  - name: no-constructor-header
    headers: [{ name: constructor, present: false }]
`);
    // A plain object literal inherits `constructor`; the header is still absent.
    expect(router.calculate({ 'x-ai-eg-model': 'gpt-4o' })).toBe('no-constructor-header');
    const router2 = routerFor(`
rules: [{ name: proto, headers: [{ name: __proto__, present: true }] }]
`);
    expect(() => router2.calculate({})).toThrow(NoMatchingRuleError);
  });

  it('is stateless: interleaved calls do not affect each other', async () => {
    const { config } = loadEmbeddedDefault();
    const router = new HeaderMatchRouter(config.rules);
    const models = ['gpt-4o', 'claude-3', 'gemini-2.0', 'gpt-5'];
    const answers = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        await Promise.resolve();
        return router.calculate(Object.freeze({ 'x-ai-eg-model': models[i % 4]! }));
      }),
    );
    expect(answers.slice(0, 4)).toEqual(['openai', 'anthropic', 'gemini', 'openai']);
    expect(new Set(answers.filter((_, i) => i % 4 === 1))).toEqual(new Set(['anthropic']));
  });
});
