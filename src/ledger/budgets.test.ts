import { describe, expect, it } from 'vitest';
import { openSqliteDb } from '../access/sqlite-store.js';
import { openPostgresDb } from '../access/postgres-store.js';
import { createTestSchema } from '../../test/support/postgres.js';
import { applyMigrations } from '../storage/migrations.js';
import { ledgerRecord } from '../../test/support/ledger-records.js';
import { insertRecords } from './ledger-sql.js';
import { BudgetTracker, windowBounds } from './budgets.js';

const NOON = Date.UTC(2026, 0, 15, 12, 0, 0);

describe('windowBounds', () => {
  it('gives UTC days and months', () => {
    expect(windowBounds('day', NOON)).toEqual({ start: Date.UTC(2026, 0, 15), end: Date.UTC(2026, 0, 16) });
    expect(windowBounds('month', NOON)).toEqual({ start: Date.UTC(2026, 0, 1), end: Date.UTC(2026, 1, 1) });
    expect(windowBounds('month', Date.UTC(2026, 11, 31, 23))).toEqual({ start: Date.UTC(2026, 11, 1), end: Date.UTC(2027, 0, 1) });
  });
});

describe('BudgetTracker', () => {
  it('refuses once a project, key or global budget is spent, with seconds to the window end', async () => {
    const t = new BudgetTracker();
    const budgets = [
      { project: 'team-a', window: 'day' as const, maxTokens: 300 },
      { key: 'k2', window: 'month' as const, maxCostUsd: 1 },
    ];
    const a = { project: 'team-a', keyId: 'k1' };
    expect(t.check(budgets, a, NOON)).toBeUndefined();
    t.record(ledgerRecord({ project: 'team-a', keyId: 'k1', totalTokens: 299, ts: NOON }));
    expect(t.check(budgets, a, NOON)).toBeUndefined();
    t.record(ledgerRecord({ project: 'team-a', keyId: 'k1', totalTokens: 1, ts: NOON }));
    const over = (await t.check(budgets, a, NOON))!;
    expect(over).toMatchObject({ status: 429, code: 'budget_exceeded', retryAfterSeconds: 12 * 3600 });
    expect(over.replyHeaders).toEqual({ 'retry-after': String(12 * 3600) });
    // another project is not affected; the next day starts fresh
    expect(t.check(budgets, { project: 'team-b' }, NOON)).toBeUndefined();
    expect(t.check(budgets, a, NOON + 86_400_000)).toBeUndefined();
    // cost budget of one key
    t.record(ledgerRecord({ project: 'team-b', keyId: 'k2', totalTokens: 1, costUsd: 1.5, ts: NOON }));
    expect((await t.check(budgets, { project: 'team-b', keyId: 'k2' }, NOON))?.message).toMatch(/key k2 .*monthly cost budget/);
    expect(t.check(budgets, { project: 'team-b', keyId: 'k3' }, NOON)).toBeUndefined();
    // a budget with neither project nor key applies to everything
    expect((await t.check([{ window: 'day', maxTokens: 10 }], {}, NOON))?.message).toMatch(/the gateway/);
  });

  it('re-syncs from the database without double counting records this process wrote', async () => {
    const db = openSqliteDb(':memory:');
    await applyMigrations(db);
    const t = new BudgetTracker();
    const budgets = [{ project: 'team-a', window: 'day' as const, maxTokens: 1000 }];
    // another replica wrote 600 tokens
    await insertRecords(db, [ledgerRecord({ project: 'team-a', totalTokens: 600, ts: NOON })]);
    await t.sync(db, NOON);
    expect(t.spend('day', 'p:team-a', NOON).tokens).toBe(600);
    // this process: one record written, one still queued
    const mine = ledgerRecord({ project: 'team-a', totalTokens: 300, ts: NOON });
    const queued = ledgerRecord({ project: 'team-a', totalTokens: 100, ts: NOON });
    t.record(mine);
    t.record(queued);
    await insertRecords(db, [mine]);
    t.written([mine]);
    expect(t.spend('day', 'p:team-a', NOON).tokens).toBe(1000);
    expect(t.check(budgets, { project: 'team-a' }, NOON)).toBeDefined();
    await t.sync(db, NOON);
    expect(t.spend('day', 'p:team-a', NOON).tokens).toBe(1000);
    expect(t.spend('month', '*', NOON).tokens).toBe(1000);
    // records outside the window do not count
    await insertRecords(db, [ledgerRecord({ project: 'team-a', totalTokens: 5000, ts: NOON - 86_400_000 })]);
    await t.sync(db, NOON);
    expect(t.spend('day', 'p:team-a', NOON).tokens).toBe(1000);
    expect(t.spend('month', 'p:team-a', NOON).tokens).toBe(6000);
    await db.close();
  });
});

describe('BudgetTracker on PostgreSQL (replicas)', () => {
  it('a replica sees the spend another replica wrote after its next sync', async () => {
    const schema = await createTestSchema();
    const a = openPostgresDb({ url: schema.url, schema: schema.schema });
    const b = openPostgresDb({ url: schema.url, schema: schema.schema });
    try {
      await applyMigrations(a);
      const replicaA = new BudgetTracker();
      const replicaB = new BudgetTracker();
      const budgets = [{ project: 'team-a', window: 'month' as const, maxCostUsd: 1 }];
      const r = ledgerRecord({ project: 'team-a', costUsd: 1.25, totalTokens: 10, ts: NOON });
      replicaA.record(r);
      await insertRecords(a, [r]);
      replicaA.written([r]);
      expect(replicaA.check(budgets, { project: 'team-a' }, NOON)).toBeDefined();
      expect(replicaB.check(budgets, { project: 'team-a' }, NOON)).toBeUndefined();
      await replicaB.sync(b, NOON);
      expect(replicaB.check(budgets, { project: 'team-a' }, NOON)).toBeDefined();
      expect(replicaB.spend('month', 'p:team-a', NOON)).toEqual({ tokens: 10, cost: 1.25 });
    } finally {
      await a.close();
      await b.close();
      await schema.drop();
    }
  });
});
