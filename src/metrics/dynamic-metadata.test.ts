import { describe, expect, it } from 'vitest';
import { buildUsageMetadata } from './dynamic-metadata.js';

describe('buildUsageMetadata', () => {
  it('puts usage, models, route, backend and costs under the namespace', () => {
    const md = buildUsageMetadata({
      namespace: 'io.envoy.ai_gateway',
      usage: { input: 100, cachedInput: 20, cacheCreationInput: 3, output: 50, reasoning: 10, total: 150 },
      requestModel: 'gpt-4o',
      responseModel: 'gpt-4o-2024-08-06',
      routeName: 'openai',
      backend: 'openai-backend',
      costs: { llm_total_token: 150, weighted: 420 },
    });
    expect(md).toEqual({
      'io.envoy.ai_gateway': {
        input_tokens: 100,
        cached_input_tokens: 20,
        cache_creation_input_tokens: 3,
        output_tokens: 50,
        reasoning_tokens: 10,
        total_tokens: 150,
        request_model: 'gpt-4o',
        response_model: 'gpt-4o-2024-08-06',
        route_name: 'openai',
        backend: 'openai-backend',
        llm_total_token: 150,
        weighted: 420,
      },
    });
    // A plain, JSON-safe object.
    expect(JSON.parse(JSON.stringify(md))).toEqual(md);
  });

  it('leaves out what is unknown and derives the total from input + output', () => {
    expect(buildUsageMetadata({ namespace: 'ns', usage: { input: 4, output: 6 } })).toEqual({
      ns: { input_tokens: 4, output_tokens: 6, total_tokens: 10 },
    });
    expect(buildUsageMetadata({ namespace: 'ns', usage: {}, routeName: 'r' })).toEqual({ ns: { route_name: 'r' } });
  });

  it('drops invalid counts and non-finite costs', () => {
    expect(
      buildUsageMetadata({ namespace: 'ns', usage: { input: -1, output: Number.NaN }, costs: { a: Number.POSITIVE_INFINITY, b: 0 } }),
    ).toEqual({ ns: { b: 0 } });
  });

  it('lets a configured cost replace a built-in key of the same name', () => {
    const md = buildUsageMetadata({ namespace: 'ns', usage: { input: 1, output: 2 }, costs: { total_tokens: 99 } });
    expect(md['ns']!['total_tokens']).toBe(99);
  });
});

describe('buildUsageMetadata cost', () => {
  it('writes cost_usd beside the token counts when the request was priced, never a negative or non-finite one', () => {
    const ns = 'io.envoy.ai_gateway';
    expect(buildUsageMetadata({ namespace: ns, usage: { input: 1 }, costUsd: 0.0025 })[ns]).toMatchObject({ input_tokens: 1, cost_usd: 0.0025 });
    for (const bad of [undefined, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(buildUsageMetadata({ namespace: ns, usage: { input: 1 }, costUsd: bad })[ns]).not.toHaveProperty('cost_usd');
    }
  });
});
