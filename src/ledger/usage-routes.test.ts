import { describe, expect, it } from 'vitest';
import { applyMigrations } from '../storage/migrations.js';
import { openSqliteDb } from '../access/sqlite-store.js';
import { ledgerRecord } from '../../test/support/ledger-records.js';
import { insertRecords } from './ledger-sql.js';
import { traceRoute, tracesRoute, usageSummaryRoute, usageTimeseriesRoute, UsageQueryError } from './usage-routes.js';

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

  it('filters, orders and builds time series', async () => {
    const db = openSqliteDb(':memory:');
    await applyMigrations(db);
    await insertRecords(db, [
      ledgerRecord({ ts: NOW - 1000, project: 'a', requestModel: 'm1', costUsd: 0.001 }),
      ledgerRecord({ ts: NOW - 2000, project: 'a', requestModel: 'm2', costUsd: 0.004 }),
      ledgerRecord({ ts: NOW - 3_700_000, project: 'b', requestModel: 'm2', costUsd: 0.002 }),
    ]);
    const [, top] = (await usageSummaryRoute(db, url('groupBy=model&orderBy=cost&project=a'), NOW)) as [number, { groups: Array<{ key: unknown; costUsd: number }>; percentiles: string; filters: unknown }];
    expect(top.groups.map((g) => g.key)).toEqual([{ model: 'm2' }, { model: 'm1' }]);
    expect(top.filters).toEqual({ project: 'a' });
    expect(top.percentiles).toBe('exact');
    const [, series] = (await usageTimeseriesRoute(db, new URL(`http://admin/x?interval=hour&from=${NOW - 2 * 3_600_000}&to=${NOW}`), NOW)) as [
      number,
      { from: string; to: string; points: Array<{ start: string; requests: number; costUsd: number }> },
    ];
    expect(series.from).toBe(new Date(NOW - 2 * 3_600_000).toISOString());
    expect(series.points.map((p) => [p.start, p.requests])).toEqual([
      [new Date(NOW - 2 * 3_600_000).toISOString(), 1],
      [new Date(NOW - 3_600_000).toISOString(), 2],
    ]);
    expect(series.points[1]!.costUsd).toBeCloseTo(0.005, 12);
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
      ['orderBy=colour', /orderBy must be one of/],
      ['project=', /project: give one non-empty value/],
      ['model=a&model=b', /model: give one/],
      [`cursor=${Buffer.from('{"a":1}').toString('base64url')}`, /cursor/],
      [`cursor=${Buffer.from('["x"]').toString('base64url')}`, /cursor/],
    ] as const) {
      await expect(usageSummaryRoute(db, url(q), NOW), q).rejects.toThrow(UsageQueryError);
      await expect(usageSummaryRoute(db, url(q), NOW), q).rejects.toThrow(msg);
    }
    const series = (q: string) => usageTimeseriesRoute(db, new URL(`http://admin/x?${q}`), NOW);
    await expect(series('interval=week')).rejects.toThrow(/interval must be one of hour, day/);
    await expect(series(`interval=hour&from=${NOW - 365 * 86_400_000}`)).rejects.toThrow(/more than 5000 hours/);
    await expect(tracesRoute(db, new URL(`http://admin/x?cursor=${Buffer.from('[1]').toString('base64url')}`), NOW)).rejects.toThrow(/cursor/);
    await db.close();
  });
});
