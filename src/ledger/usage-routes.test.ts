import { describe, expect, it } from 'vitest';
import { applyMigrations } from '../access/migrations.js';
import { openSqliteDb } from '../access/sqlite-store.js';
import { ledgerRecord } from '../../test/support/ledger-records.js';
import { insertRecords } from './ledger-sql.js';
import { traceRoute, tracesRoute, usageSummaryRoute, UsageQueryError } from './usage-routes.js';

const NOW = Date.UTC(2026, 0, 15, 12);
const url = (q: string): URL => new URL(`http://admin/admin/usage/summary?${q}`);

describe('usage routes', () => {
  it('defaults to the last 24 hours, takes ISO and ms times, and pages with an opaque cursor', async () => {
    const db = openSqliteDb(':memory:');
    await applyMigrations(db);
    await insertRecords(db, [
      ledgerRecord({ ts: NOW - 1000, project: 'a', traceId: 't1' }),
      ledgerRecord({ ts: NOW - 2000, project: 'b', traceId: 't2' }),
      ledgerRecord({ ts: NOW - 3 * 86_400_000, project: 'c', traceId: 't3' }),
    ]);
    const [status, body] = (await usageSummaryRoute(db, url('groupBy=project&limit=1'), NOW)) as [number, { groups: Array<{ key: unknown }>; nextCursor: string; from: string }];
    expect(status).toBe(200);
    expect(body.from).toBe(new Date(NOW - 86_400_000).toISOString());
    expect(body.groups.map((g) => g.key)).toEqual([{ project: 'a' }]);
    const [, next] = (await usageSummaryRoute(db, url(`groupBy=project&limit=1&cursor=${body.nextCursor}`), NOW)) as [number, { groups: Array<{ key: unknown }>; nextCursor: string | null }];
    expect(next.groups.map((g) => g.key)).toEqual([{ project: 'b' }]);
    expect(next.nextCursor).toBeNull();
    const [, old] = (await usageSummaryRoute(db, url(`groupBy=project&from=${new Date(NOW - 4 * 86_400_000).toISOString()}&to=${NOW - 86_400_000}`), NOW)) as [number, { groups: Array<{ key: unknown }> }];
    expect(old.groups.map((g) => g.key)).toEqual([{ project: 'c' }]);
    const [, traces] = (await tracesRoute(db, new URL('http://admin/admin/traces'), NOW)) as [number, { traces: Array<{ traceId: string; firstAt: string }> }];
    expect(traces.traces.map((t) => t.traceId)).toEqual(['t1', 't2']);
    expect(traces.traces[0]!.firstAt).toBe(new Date(NOW - 1000).toISOString());
    expect(await traceRoute(db, 'missing', new URL('http://admin/x'))).toBeUndefined();
    await db.close();
  });

  it('refuses bad parameters with a clear message', async () => {
    const db = openSqliteDb(':memory:');
    await applyMigrations(db);
    for (const [q, msg] of [
      ['groupBy=colour', /unknown field "colour"/],
      ['limit=0', /limit/],
      ['limit=abc', /limit/],
      ['cursor=xyz', /cursor/],
      ['from=yesterday', /from must be/],
      [`from=${NOW}&to=${NOW - 1}`, /before/],
    ] as const) {
      await expect(usageSummaryRoute(db, url(q), NOW), q).rejects.toThrow(UsageQueryError);
      await expect(usageSummaryRoute(db, url(q), NOW), q).rejects.toThrow(msg);
    }
    await db.close();
  });
});
