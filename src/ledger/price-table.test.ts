import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { costOf, loadPriceTable, parsePriceTable, PriceTableError } from './price-table.js';

const YAML = `
asOf: "2026-01-01"
models:
  - { provider: openai, model: gpt-4o, input: 2.5, cachedInput: 1.25, output: 10 }
  - { provider: anthropic, model: "claude-sonnet-4*", input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15 }
  - { provider: openai, model: "o*", input: 1, output: 4, reasoning: 8, perRequest: 0.01 }
  - { model: "local-*", input: 0, output: 0 }
`;

describe('price table', () => {
  it('prices cached input separately: the input price applies to uncached input only', () => {
    const t = parsePriceTable(YAML, 'test');
    // 1000 input of which 400 cached: 600 × 2.5 + 400 × 1.25 + 100 × 10 = 3000 per million
    expect(t.cost({ provider: 'openai', model: 'gpt-4o', usage: { input: 1000, cachedInput: 400, output: 100 } })).toBeCloseTo(0.003, 12);
  });

  it('prices cache writes at their own price (Anthropic), glob fallback', () => {
    const t = parsePriceTable(YAML, 'test');
    // input 1000 = 100 uncached + 500 read + 400 written
    const c = t.cost({ provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', usage: { input: 1000, cachedInput: 500, cacheCreationInput: 400, output: 10 } });
    expect(c).toBeCloseTo((100 * 3 + 500 * 0.3 + 400 * 3.75 + 10 * 15) / 1e6, 12);
  });

  it('prices reasoning within output at its own price, and adds the per-request fee', () => {
    const t = parsePriceTable(YAML, 'test');
    const c = t.cost({ provider: 'openai', model: 'o3', usage: { input: 10, output: 100, reasoning: 60 } });
    expect(c).toBeCloseTo((10 * 1 + 40 * 4 + 60 * 8) / 1e6 + 0.01, 12);
  });

  it('matches the backend name as provider too, and tries the requested model when the response model has no price', () => {
    const t = parsePriceTable(YAML, 'test');
    expect(t.cost({ provider: 'azure.openai', backend: 'openai', model: 'gpt-4o', usage: { input: 1_000_000 } })).toBeCloseTo(2.5);
    expect(t.cost({ provider: 'openai', model: 'gpt-4o-2024-08-06', requestModel: 'gpt-4o', usage: { output: 1_000_000 } })).toBeCloseTo(10);
  });

  it('tries the model sent (a modelNameOverride) before the requested one when the response model has no price', () => {
    const t = parsePriceTable('models:\n  - { provider: aws.bedrock, model: "anthropic.claude-*", input: 3, output: 15 }\n  - { provider: aws.bedrock, model: house-claude, input: 100, output: 100 }\n', 'test');
    const usage = { input: 1_000_000 };
    expect(t.cost({ provider: 'aws.bedrock', model: 'claude-3-5-sonnet-20240620', sentModel: 'anthropic.claude-3-5-sonnet-20240620-v1:0', requestModel: 'house-claude', usage })).toBeCloseTo(3);
    expect(t.cost({ provider: 'aws.bedrock', model: 'claude-3-5-sonnet-20240620', requestModel: 'house-claude', usage })).toBeCloseTo(100);
  });

  it('gives null (not 0) for an unknown model and reports it', () => {
    const missing: string[] = [];
    const t = parsePriceTable(YAML, 'test', (m) => missing.push(m));
    expect(t.cost({ provider: 'openai', model: 'gpt-9', usage: { input: 5 } })).toBeNull();
    expect(t.cost({ provider: 'gcp.gemini', model: 'local-llama', usage: { input: 5 } })).toBe(0);
    expect(missing).toEqual(['gpt-9']);
  });

  it('never prices negative: cached counts beyond input leave no negative uncached input', () => {
    const entry = { provider: '*', model: 'x', input: 1, output: 1 };
    expect(costOf(entry, { input: 10, cachedInput: 50 })).toBeCloseTo(50 / 1e6);
    expect(costOf(entry, {})).toBe(0);
  });

  it('refuses bad files with the path of the problem', async () => {
    expect(() => parsePriceTable('models: [{ model: x, input: -1, output: 1 }]', 'p.yaml')).toThrow(/p\.yaml: models\.0\.input/);
    expect(() => parsePriceTable('models: [', 'p.yaml')).toThrow(PriceTableError);
    expect(() => loadPriceTable('/nonexistent/prices.yaml')).toThrow(/pricing\.file/);
    const dir = await mkdtemp(join(tmpdir(), 'prices-'));
    try {
      await writeFile(join(dir, 'p.yaml'), YAML);
      expect(loadPriceTable(join(dir, 'p.yaml')).find(['openai'], 'gpt-4o')?.input).toBe(2.5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the shipped example parses and prices its models', () => {
    const t = loadPriceTable(new URL('../../examples/pricing.yaml', import.meta.url).pathname);
    expect(t.cost({ provider: 'openai', model: 'gpt-4o', usage: { input: 1_000_000 } })).toBeGreaterThan(0);
    expect(t.cost({ provider: 'anthropic', model: 'claude-sonnet-4-5', usage: { input: 1_000_000 } })).toBeGreaterThan(0);
  });
});
