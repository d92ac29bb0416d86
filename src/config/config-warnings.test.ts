import { describe, expect, it } from 'vitest';
import { configWarnings, NO_RULES_WARNING } from './config-warnings.js';
import { parseConfig } from './load.js';

const RULES = 'rules: [{ name: openai, headers: [{ name: x-ai-eg-model, prefix: "gpt-" }] }]\n';
/** A config of `yaml` with one rule (a config without rules has a warning of its own). */
const configOf = (yaml: string) => parseConfig(RULES + yaml, 'test.yaml').config;
const BUDGET = 'budgets: [{ project: acme, window: day, maxTokens: 1000 }]\n';

describe('configWarnings', () => {
  it('warns that budgets are not enforced when the ledger is off', () => {
    expect(configWarnings(configOf(BUDGET))).toEqual([
      { path: 'budgets', message: '1 budget is not enforced: budgets need ledger.enabled (their spend is counted from the ledger)' },
    ]);
  });

  it('has nothing to say about budgets with the ledger on, or about a ledger without budgets', () => {
    expect(configWarnings(configOf(`ledger: { enabled: true }\n${BUDGET}`))).toEqual([]);
    expect(configWarnings(configOf('ledger: { enabled: false }\n'))).toEqual([]);
  });

  it('judges by the running ledger when given: one started with the process still counts after a reload turns the setting off', () => {
    expect(configWarnings(configOf(BUDGET), { ledger: true })).toEqual([]);
  });

  it('says a restart is needed when a reload turns the ledger on for a process started without it', () => {
    const [warning] = configWarnings(configOf(`ledger: { enabled: true }\n${BUDGET}`), { ledger: false });
    expect(warning?.path).toBe('budgets');
    expect(warning?.message).toMatch(/^1 budget is not enforced until a restart: .*ledger\.enabled is read at start/);
  });

  it('warns that a cost budget cannot be reached without a price table', () => {
    const cost = 'ledger: { enabled: true }\nbudgets: [{ project: acme, window: day, maxTokens: 10 }, { project: acme, window: month, maxCostUsd: 5 }]\n';
    expect(configWarnings(configOf(cost))).toEqual([
      { path: 'budgets[1].maxCostUsd', message: 'a cost budget without pricing.file is never reached: no request is priced, so no cost is counted against it' },
    ]);
    expect(configWarnings(configOf(`pricing: { file: prices.yaml }\n${cost}`))).toEqual([]);
  });

  it('warns loudly that a config without rules routes nothing, and how to keep the default rules', () => {
    const warnings = configWarnings(parseConfig('admin: { debug: true }\n', 'test.yaml').config);
    expect(warnings).toEqual([{ path: 'rules', message: NO_RULES_WARNING }]);
    expect(NO_RULES_WARNING).toMatch(/^no rules: every request will get 404/);
    expect(NO_RULES_WARNING).toContain('examples/config/starter.yaml');
  });

  it('has nothing to say about missing rules when a router module chooses them', () => {
    expect(configWarnings(parseConfig('router: { module: ./r.mjs }\n', 'test.yaml').config)).toEqual([]);
  });
});
