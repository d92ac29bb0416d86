import { describe, expect, it } from 'vitest';
import { parseConfig } from './load.js';

describe('ledger, pricing and budgets config', () => {
  it('defaults to off', () => {
    const c = parseConfig('{}', 'test').config;
    expect(c.ledger).toMatchObject({ enabled: false, maxQueue: 10_000, batchSize: 500, flushIntervalMs: 1000, budgetSyncIntervalMs: 10_000 });
    expect(c.ledger.traceHeader).toBeUndefined();
    expect(c.pricing.file).toBeUndefined();
    expect(c.budgets).toEqual([]);
  });

  it('takes the keys, lower-casing the trace header', () => {
    const c = parseConfig(
      'ledger: { enabled: true, traceHeader: X-Session-Id, spillPath: ./s.jsonl }\npricing: { file: prices.yaml }\nbudgets: [{ project: a, window: month, maxCostUsd: 12.5 }]\n',
      'test',
    ).config;
    expect(c.ledger.traceHeader).toBe('x-session-id');
    expect(c.budgets).toEqual([{ project: 'a', window: 'month', maxCostUsd: 12.5 }]);
  });

  it('refuses a budget without a limit, an unknown window and unknown keys', () => {
    expect(() => parseConfig('budgets: [{ project: a, window: day }]', 'test')).toThrow(/maxTokens or maxCostUsd/);
    expect(() => parseConfig('budgets: [{ window: week, maxTokens: 1 }]', 'test')).toThrow(/window/);
    expect(() => parseConfig('ledger: { enabld: true }', 'test')).toThrow(/enabld/);
  });
});
