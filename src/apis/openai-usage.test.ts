import { describe, expect, it } from 'vitest';
import { inputFamilyUsage, promptFamilyUsage } from './openai-usage.js';

describe('OpenAI usage objects', () => {
  it('reads cached and reasoning tokens, and fills the total', () => {
    expect(promptFamilyUsage({ prompt_tokens: 10, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 3 } })).toEqual({
      input: 10,
      cachedInput: 4,
      output: 5,
      reasoning: 3,
      total: 15,
    });
    expect(inputFamilyUsage({ input_tokens: 7, output_tokens: 2, total_tokens: 9, input_tokens_details: { cached_tokens: 0 } })).toEqual({ input: 7, cachedInput: 0, output: 2, total: 9 });
  });

  it('reads prompt-cache writes named as cache_write_tokens (counted within prompt_tokens)', () => {
    const usage = promptFamilyUsage({ prompt_tokens: 3084, completion_tokens: 256, prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 1024 } });
    expect(usage).toEqual({ input: 3084, cachedInput: 2048, cacheCreationInput: 1024, output: 256, total: 3340 });
  });

  it('reads nothing from what is not a usage object', () => {
    expect(promptFamilyUsage(null)).toEqual({});
    expect(promptFamilyUsage({ prompt_tokens: 'many' })).toEqual({});
  });
});
