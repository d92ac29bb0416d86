import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../access/migrations.js';
import { openPostgresDb } from '../access/postgres-store.js';
import type { SqlDb } from '../access/sql-db.js';
import { openSqliteDb } from '../access/sqlite-store.js';
import { createTestSchema, type TestSchema } from '../../test/support/postgres.js';
import { ledgerRecord } from '../../test/support/ledger-records.js';
import { insertRecords } from './ledger-sql.js';
import { getTrace, listTraces, percentileCont, usageSummary } from './usage-queries.js';

const T0 = Date.UTC(2026, 0, 15, 12);

describe('percentileCont', () => {
  it('interpolates between the closest ranks', () => {
    expect(percentileCont([], 0.5)).toBeNull();
    expect(percentileCont([7], 0.95)).toBe(7);
    expect(percentileCont([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(percentileCont([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.95)).toBeCloseTo(10.5);
  });
});

async function seed(db: SqlDb): Promise<void> {
  await applyMigrations(db);
  const rows = [
    ...Array.from({ length: 10 }, (_, i) =>
      ledgerRecord({ requestId: `a${i}`, ts: T0 + i, requestModel: 'gpt-4o', project: 'team-a', traceId: 'sess-1', totalTokens: 10, inputTokens: 6, cachedInputTokens: 2, outputTokens: 4, durationMs: (i + 1) * 10, ttftMs: i + 1, costUsd: 0.5 }),
    ),
    ledgerRecord({ requestId: 'b0', ts: T0 + 20, requestModel: 'claude-x', provider: 'anthropic', project: 'team-b', traceId: 'sess-2', totalTokens: 100, costUsd: null, status: 500, errorType: 'http_500', durationMs: 5, ttftMs: null }),
    ledgerRecord({ requestId: 'c0', ts: T0 - 86_400_000, requestModel: 'gpt-4o', project: 'team-a', traceId: 'old' }),
  ];
  await insertRecords(db, rows);
  // idempotent
  expect(await insertRecords(db, rows.slice(0, 3))).toBe(0);
}

function suite(name: string, open: () => Promise<{ db: SqlDb; done(): Promise<void> }>): void {
  describe(`usage queries (${name})`, () => {
    let db: SqlDb;
    let done: () => Promise<void>;
    beforeAll(async () => {
      ({ db, done } = await open());
      await seed(db);
    });
    afterAll(async () => done?.());

    const range = { from: T0 - 3_600_000, to: T0 + 3_600_000 };

    it('summarises by model and project with tokens, errors, cost and percentiles', async () => {
      const page = await usageSummary(db, { ...range, limit: 10, offset: 0, groupBy: ['model', 'project'] });
      expect(page.nextOffset).toBeUndefined();
      const byModel = Object.fromEntries(page.items.map((g) => [g.key.model, g]));
      expect(byModel['gpt-4o']).toMatchObject({
        key: { model: 'gpt-4o', project: 'team-a' },
        requests: 10,
        errors: 0,
        tokens: { input: 60, cachedInput: 20, output: 40, total: 100 },
        unpricedRequests: 0,
        durationMs: { p50: 55, p95: expect.closeTo(95.5, 6) },
        ttftMs: { p50: 5.5, p95: expect.closeTo(9.55, 6) },
      });
      expect(byModel['gpt-4o']!.costUsd).toBeCloseTo(5);
      expect(byModel['claude-x']).toMatchObject({ requests: 1, errors: 1, costUsd: null, unpricedRequests: 1, ttftMs: { p50: null, p95: null } });
    });

    it('summarises everything in one group without groupBy, and pages with an offset', async () => {
      const all = await usageSummary(db, { ...range, limit: 10, offset: 0, groupBy: [] });
      expect(all.items).toHaveLength(1);
      expect(all.items[0]!.requests).toBe(11);
      const first = await usageSummary(db, { ...range, limit: 1, offset: 0, groupBy: ['project'] });
      expect(first.items.map((g) => g.key.project)).toEqual(['team-a']);
      expect(first.nextOffset).toBe(1);
      const second = await usageSummary(db, { ...range, limit: 1, offset: 1, groupBy: ['project'] });
      expect(second.items.map((g) => g.key.project)).toEqual(['team-b']);
      expect(second.nextOffset).toBeUndefined();
    });

    it('lists traces most recent first, and one trace with its requests', async () => {
      const traces = await listTraces(db, { ...range, limit: 10, offset: 0 });
      expect(traces.items.map((t) => [t.traceId, t.requests])).toEqual([
        ['sess-2', 1],
        ['sess-1', 10],
      ]);
      const t = await getTrace(db, 'sess-1', { limit: 4, offset: 0 });
      expect(t?.trace).toMatchObject({ traceId: 'sess-1', requests: 10, projects: ['team-a'], tokens: { total: 100 } });
      expect(t?.requests.items.map((r) => r['requestId'])).toEqual(['a0', 'a1', 'a2', 'a3']);
      expect(t?.requests.items[0]).toMatchObject({ model: 'gpt-4o', stream: false, costUsd: 0.5, inputTokens: 6, at: new Date(T0).toISOString() });
      expect(t?.requests.nextOffset).toBe(4);
      expect(await getTrace(db, 'nope', { limit: 4, offset: 0 })).toBeUndefined();
    });
  });
}

suite('sqlite', async () => {
  const db = openSqliteDb(':memory:');
  return { db, done: () => db.close() };
});

let schema: TestSchema | undefined;
suite('postgres', async () => {
  schema = await createTestSchema();
  const db = openPostgresDb({ url: schema.url, schema: schema.schema });
  return {
    db,
    done: async () => {
      await db.close();
      await schema?.drop();
    },
  };
});
