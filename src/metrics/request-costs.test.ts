import { describe, expect, it } from 'vitest';
import { requestCostSchema, type RequestCostConfig } from '../config/schema.js';
import { compileRequestCosts, RequestCostConfigError, totalTokens, type RequestCostInput } from './request-costs.js';

const cost = (c: Record<string, unknown>): RequestCostConfig => requestCostSchema.parse(c);

const INPUT: RequestCostInput = {
  model: 'gpt-4o',
  backend: 'openai',
  routeName: 'openai-rule',
  usage: { input: 100, cachedInput: 30, cacheCreationInput: 7, output: 40, reasoning: 12, total: 140 },
};

function compileError(c: RequestCostConfig[]): RequestCostConfigError {
  try {
    compileRequestCosts(c);
  } catch (err) {
    expect(err).toBeInstanceOf(RequestCostConfigError);
    return err as RequestCostConfigError;
  }
  throw new Error('expected compileRequestCosts to throw');
}

describe('compileRequestCosts', () => {
  it('computes the token types', () => {
    const evaluate = compileRequestCosts([
      cost({ metadataKey: 'in', type: 'InputToken' }),
      cost({ metadataKey: 'cached', type: 'CachedInputToken' }),
      cost({ metadataKey: 'out', type: 'OutputToken' }),
      cost({ metadataKey: 'total', type: 'TotalToken' }),
    ]);
    expect(evaluate(INPUT)).toEqual({ values: { in: 100, cached: 30, out: 40, total: 140 }, errors: [] });
  });

  it('uses 0 for unreported tokens and input + output when no total is reported', () => {
    const evaluate = compileRequestCosts([
      cost({ metadataKey: 'cached', type: 'CachedInputToken' }),
      cost({ metadataKey: 'total', type: 'TotalToken' }),
    ]);
    expect(evaluate({ ...INPUT, usage: { input: 5, output: 6 } }).values).toEqual({ cached: 0, total: 11 });
    expect(totalTokens({})).toBe(0);
    expect(totalTokens({ input: -3, output: Number.NaN })).toBe(0);
  });

  it('evaluates CEL with every variable', () => {
    const exprs: Record<string, [string, number]> = {
      model: ["model == 'gpt-4o' ? 1u : 0u", 1],
      backend: ["backend == 'openai' ? 2 : 0", 2],
      route: ["route_name == 'openai-rule' ? 3u : 0u", 3],
      in: ['input_tokens', 100],
      cached: ['cached_input_tokens', 30],
      creation: ['cache_creation_input_tokens', 7],
      out: ['output_tokens', 40],
      reasoning: ['reasoning_tokens', 12],
      total: ['total_tokens', 140],
      weighted: ['input_tokens - cached_input_tokens + output_tokens * 4u', 230],
      compat: ["model == 'cool_model' ? input_tokens * output_tokens : total_tokens", 140],
    };
    const evaluate = compileRequestCosts(Object.entries(exprs).map(([k, [e]]) => cost({ metadataKey: k, type: 'CEL', celExpression: e })));
    const { values, errors } = evaluate(INPUT);
    expect(errors).toEqual([]);
    expect(values).toEqual(Object.fromEntries(Object.entries(exprs).map(([k, [, v]]) => [k, v])));
  });

  it('accepts the short `cel` key too', () => {
    const evaluate = compileRequestCosts([cost({ metadataKey: 'c', type: 'CEL', cel: 'output_tokens + 1u' })]);
    expect(evaluate(INPUT).values).toEqual({ c: 41 });
  });

  it('rounds non-negative doubles to the nearest integer', () => {
    const evaluate = compileRequestCosts([
      cost({ metadataKey: 'half', type: 'CEL', celExpression: 'double(output_tokens) * 1.5' }),
      cost({ metadataKey: 'tiny', type: 'CEL', celExpression: 'double(input_tokens) * 0.001' }),
      cost({ metadataKey: 'noise', type: 'CEL', celExpression: '0.1 * 30.0' }),
    ]);
    expect(evaluate(INPUT).values).toEqual({ half: 60, tiny: 0, noise: 3 });
  });

  it('fails config load on a syntax error, naming the metadataKey and path', () => {
    const err = compileError([cost({ metadataKey: 'ok', type: 'TotalToken' }), cost({ metadataKey: 'broken', type: 'CEL', celExpression: 'input_tokens +' })]);
    expect(err.metadataKey).toBe('broken');
    expect(err.index).toBe(1);
    expect(err.path).toBe('llmRequestCosts[1].celExpression');
    expect(err.message).toMatch(/metadataKey "broken".*invalid CEL expression/);
  });

  it.each([
    ['unknown_tokens + 1u', /fails on sample usage/],
    ["'a string'", /result must be a number, got string "a string"/],
    ['input_tokens > 5u', /result must be a number, got bool false/],
    ['input_tokens * 2', /u suffix/],
    ['1 - 5', /result is negative \(-4\)/],
    ['-1.5', /result is negative/],
    ['1.0 / 0.0', /not finite/],
    ['1000u / output_tokens', /divide by zero/],
  ])('fails config load for %s', (expr, message) => {
    const err = compileError([cost({ metadataKey: 'k', type: 'CEL', celExpression: expr })]);
    expect(err.metadataKey).toBe('k');
    expect(err.message).toMatch(message);
  });

  it('rejects a duplicate metadataKey', () => {
    const err = compileError([cost({ metadataKey: 'k', type: 'InputToken' }), cost({ metadataKey: 'k', type: 'OutputToken' })]);
    expect(err.path).toBe('llmRequestCosts[1].metadataKey');
  });

  it('returns runtime evaluation errors separately and keeps the other costs', () => {
    const evaluate = compileRequestCosts([
      cost({ metadataKey: 'total', type: 'TotalToken' }),
      // valid on the samples (cached ≤ input there) but overflows uint when cached > input
      cost({ metadataKey: 'uncached', type: 'CEL', celExpression: 'input_tokens - cached_input_tokens' }),
      cost({ metadataKey: 'signed', type: 'CEL', celExpression: 'int(input_tokens) - int(cached_input_tokens)' }),
    ]);
    const r = evaluate({ ...INPUT, usage: { input: 10, cachedInput: 20, output: 1 } });
    expect(r.values).toEqual({ total: 11 });
    expect(r.errors.map((e) => e.metadataKey)).toEqual(['uncached', 'signed']);
    expect(r.errors[0]!.message).toMatch(/overflow/);
    expect(r.errors[1]!.message).toMatch(/negative/);
  });

  it('passes large token counts exactly', () => {
    const evaluate = compileRequestCosts([cost({ metadataKey: 'c', type: 'CEL', celExpression: 'input_tokens * 1000u' })]);
    expect(evaluate({ ...INPUT, usage: { input: 4_000_000_000 } }).values).toEqual({ c: 4_000_000_000_000 });
  });
});
