/**
 * Budgets without the ledger are not enforced; the service says so in its log at start and on
 * every reload that still has them, and stops saying so once they are gone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type TestService } from '../support/service.js';

const services: TestService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
});

const BUDGETS = 'budgets:\n  - { project: acme, window: day, maxTokens: 1000 }\n  - { window: month, maxTokens: 5000 }\n';
const RULES = 'rules: [{ name: all }]\n';

const budgetWarnings = (svc: TestService) => svc.logs.filter((l) => l['level'] === 'warn' && l['path'] === 'budgets');

describe('budgets without the ledger', () => {
  it('are reported as a warning at start and after each reload that keeps them', async () => {
    const svc = await startService({ yaml: RULES + BUDGETS });
    services.push(svc);
    expect(budgetWarnings(svc).map((l) => l['msg'])).toEqual([
      '2 budgets are not enforced: budgets need ledger.enabled (their spend is counted from the ledger)',
    ]);

    await svc.server.reload(parseConfig(RULES, 'test config'));
    expect(budgetWarnings(svc)).toHaveLength(1);

    // The ledger starts with the process: turning it on in a reload does not start it.
    await svc.server.reload(parseConfig(`ledger: { enabled: true }\n${RULES}${BUDGETS}`, 'test config'));
    const warnings = budgetWarnings(svc);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]!['msg']).toMatch(/^2 budgets are not enforced until a restart: .*ledger\.enabled is read at start/);
  });

  it('give no warning when there are none', async () => {
    const svc = await startService({ yaml: RULES });
    services.push(svc);
    await svc.server.reload(parseConfig(`${RULES}ledger: { enabled: false }\n`, 'test config'));
    expect(svc.logs.some((l) => l['msg'] === 'config reloaded')).toBe(true);
    expect(budgetWarnings(svc)).toEqual([]);
  });
});
