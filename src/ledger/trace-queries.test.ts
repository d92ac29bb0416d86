import { describe, expect, it } from 'vitest';
import { applyMigrations } from '../storage/migrations.js';
import { openSqliteDb } from '../access/sqlite-store.js';
import { ledgerRecord } from '../../test/support/ledger-records.js';
import { insertRecords } from './ledger-sql.js';
import { getTrace, listTraces } from './trace-queries.js';

const T0 = Date.UTC(2026, 0, 15, 12);

describe('trace queries', () => {
  it('lists traces by latest activity with whole-trace totals, paging by keyset', async () => {
    const db = openSqliteDb(':memory:');
    await applyMigrations(db);
    // Five traces; t-4 is the most recent; t-1 and t-2 end at the same instant.
    const ends = { 't-0': T0 + 1, 't-1': T0 + 5, 't-2': T0 + 5, 't-3': T0 + 7, 't-4': T0 + 9 };
    for (const [traceId, end] of Object.entries(ends)) {
      await insertRecords(db, [
        ledgerRecord({ traceId, ts: end - 3_600_000, project: 'team-b', totalTokens: 10, costUsd: 0.25 }),
        ledgerRecord({ traceId, ts: end, project: 'team-a', totalTokens: 5, costUsd: null, status: 500, errorType: 'http_500' }),
      ]);
    }
    const seen: string[] = [];
    let cursor: readonly (string | number)[] | undefined;
    do {
      const page = await listTraces(db, { from: T0 - 60_000, to: T0 + 60_000, limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((t) => t.traceId));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(['t-4', 't-3', 't-2', 't-1', 't-0']);
    const [t4] = (await listTraces(db, { from: T0, to: T0 + 10, limit: 1 })).items;
    expect(t4).toMatchObject({ traceId: 't-4', requests: 2, errors: 1, firstAt: T0 + 9 - 3_600_000, lastAt: T0 + 9, tokens: { total: 15 }, costUsd: 0.25, projects: ['team-a', 'team-b'] });
    // A trace whose latest request is outside the range is not listed.
    expect((await listTraces(db, { from: T0 + 8, to: T0 + 60_000, limit: 10 })).items.map((t) => t.traceId)).toEqual(['t-4']);
    await db.close();
  });

  it('returns one trace with its requests oldest first, paging by keyset; undefined when unknown', async () => {
    const db = openSqliteDb(':memory:');
    await applyMigrations(db);
    const records = Array.from({ length: 7 }, (_, i) => ledgerRecord({ requestId: `r${i}`, traceId: 'sess', ts: T0 + Math.floor(i / 2), inputTokens: 6, requestModel: 'gpt-4o' }));
    await insertRecords(db, records.slice().reverse());
    const ids: string[] = [];
    let cursor: readonly (string | number)[] | undefined;
    do {
      const found = await getTrace(db, 'sess', { limit: 3, ...(cursor ? { cursor } : {}) });
      expect(found?.trace.requests).toBe(7);
      ids.push(...found!.requests.items.map((r) => String(r['requestId'])));
      cursor = found!.requests.next;
    } while (cursor);
    expect(ids).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    const first = await getTrace(db, 'sess', { limit: 1 });
    expect(first?.requests.items[0]).toMatchObject({ requestId: 'r0', model: 'gpt-4o', stream: false, inputTokens: 6, at: new Date(T0).toISOString() });
    expect(await getTrace(db, 'nope', { limit: 4 })).toBeUndefined();
    await db.close();
  });
});
