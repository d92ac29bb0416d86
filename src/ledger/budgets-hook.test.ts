import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { ledgerRecord } from '../../test/support/ledger-records.js';
import { fakeHookRequest } from '../testing.js';
import { BudgetTracker, type SharedSpend } from './budgets.js';
import { budgetsHook } from './budgets-hook.js';

const NOON = Date.UTC(2026, 0, 15, 12);
const { config } = parseConfig('budgets: [{ project: team-a, window: day, maxTokens: 100 }]', 'test');
const caller = { id: 'k1', project: 'team-a' };

describe('the budgets hook', () => {
  it('refuses the caller of a spent budget with 429 and retry-after; never the models list', async () => {
    const tracker = new BudgetTracker();
    const hook = budgetsHook(config, tracker, () => NOON);
    expect(await hook.onRequest!(fakeHookRequest({ caller }))).toBeUndefined();
    tracker.record(ledgerRecord({ project: 'team-a', keyId: 'k1', totalTokens: 100, ts: NOON }));
    expect(await hook.onRequest!(fakeHookRequest({ caller }))).toMatchObject({ answer: { status: 429, code: 'budget_exceeded', replyHeaders: { 'retry-after': String(12 * 3600) } } });
    expect(await hook.onRequest!(fakeHookRequest({ kind: 'listing', caller }))).toBeUndefined();
    expect(await hook.onRequest!(fakeHookRequest({ caller: { id: 'k2', project: 'team-b' } }))).toBeUndefined();
  });

  it('with shared spend, refuses on what other replicas spent, and falls back to its own view when the store fails', async () => {
    let spent = 0;
    let down = false;
    const errors: unknown[] = [];
    const shared: SharedSpend = {
      read: async (keys) => {
        if (down) throw new Error('unreachable');
        return keys.map(() => ({ tokens: spent, cost: 0 }));
      },
      add: async () => undefined,
    };
    const hook = budgetsHook(config, new BudgetTracker({ spend: shared, onError: (e) => void errors.push(e) }), () => NOON);
    expect(await hook.onRequest!(fakeHookRequest({ caller }))).toBeUndefined();
    spent = 150; // another replica's requests
    expect(await hook.onRequest!(fakeHookRequest({ caller }))).toMatchObject({ answer: { status: 429 } });
    down = true;
    expect(await hook.onRequest!(fakeHookRequest({ caller }))).toBeUndefined();
    expect(errors).toHaveLength(1);
  });
});
