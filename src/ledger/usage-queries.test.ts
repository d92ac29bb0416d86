import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS } from '../storage/migrations.js';
import { openPostgresDb } from '../access/postgres-store.js';
import type { SqlDb } from '../storage/sql-db.js';
import { openSqliteDb } from '../access/sqlite-store.js';
import { createTestSchema, type TestSchema } from '../../test/support/postgres.js';
import { ledgerRecord } from '../../test/support/ledger-records.js';
import { bucketOf, HISTOGRAM_BOUNDS } from '../storage/latency-histogram.js';
import type { LedgerRecord } from './ledger-record.js';
import { insertRecords } from './ledger-sql.js';
import { ROLLUP_COUNTERS, ROLLUP_DIMENSIONS } from '../storage/rollup-sql.js';
import { percentileCont } from './usage-common.js';
import { usageSummary, usageTimeseries } from './usage-queries.js';

const T0 = Date.UTC(2026, 0, 15, 12);
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** A small deterministic generator (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 600 records over four days, spread across hour and day boundaries. */
function randomRecords(): LedgerRecord[] {
  const r = rng(42);
  const models = ['gpt-4o', 'claude-x', 'gemini-y'];
  const projects = ['team-a', 'team-b', null];
  return Array.from({ length: 600 }, (_, i) => {
    const priced = r() > 0.2;
    return ledgerRecord({
      requestId: `rnd-${i}`,
      ts: T0 - 2 * DAY + Math.floor(r() * 4 * DAY),
      requestModel: models[i % 3]!,
      project: projects[Math.floor(r() * 3)]!,
      traceId: `t-${i % 40}`,
      inputTokens: Math.floor(r() * 1000),
      outputTokens: Math.floor(r() * 500),
      cachedInputTokens: i % 2 ? Math.floor(r() * 100) : null,
      totalTokens: Math.floor(r() * 1500),
      costUsd: priced ? Math.round(r() * 1e6) / 1e9 : null,
      status: i % 17 === 0 ? 500 : 200,
      errorType: i % 17 === 0 ? 'http_500' : null,
      durationMs: Math.round(r() * 20_000 * 1000) / 1000,
      ttftMs: i % 5 === 0 ? null : Math.round(r() * 3000 * 1000) / 1000,
    });
  });
}

/** What a summary must say, computed from the records themselves. */
function oracle(records: readonly LedgerRecord[], from: number, to: number, by: (r: LedgerRecord) => string) {
  const groups = new Map<string, LedgerRecord[]>();
  for (const r of records) {
    if (r.ts < from || r.ts >= to) continue;
    const k = by(r);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return new Map(
    [...groups].map(([k, rs]) => {
      const priced = rs.filter((r) => r.costUsd !== null);
      return [
        k,
        {
          requests: rs.length,
          errors: rs.filter((r) => r.errorType !== null).length,
          input: rs.reduce((a, r) => a + (r.inputTokens ?? 0), 0),
          cached: rs.reduce((a, r) => a + (r.cachedInputTokens ?? 0), 0),
          total: rs.reduce((a, r) => a + (r.totalTokens ?? 0), 0),
          cost: priced.length ? priced.reduce((a, r) => a + r.costUsd!, 0) : null,
          ttft: rs.flatMap((r) => (r.ttftMs === null ? [] : [r.ttftMs])),
          duration: rs.map((r) => r.durationMs),
        },
      ];
    }),
  );
}

/** The histogram estimate lies in the bucket holding the nearest-rank `p` percentile of `values`. */
function expectWithinBucket(estimate: number | null, values: readonly number[], p: number): void {
  if (values.length === 0) return expect(estimate).toBeNull();
  const sorted = [...values].sort((a, b) => a - b);
  const nearest = sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
  const i = bucketOf(nearest);
  const lower = i === 0 ? 0 : HISTOGRAM_BOUNDS[i - 1]!;
  expect(estimate).not.toBeNull();
  expect(estimate!).toBeGreaterThanOrEqual(lower);
  expect(estimate!).toBeLessThanOrEqual(HISTOGRAM_BOUNDS[i] ?? lower);
}

function expectPercentile(got: number | null, values: readonly number[], p: number): void {
  const want = percentileCont(values, p);
  if (want === null) expect(got).toBeNull();
  else expect(got).toBeCloseTo(want, 6);
}

function suite(name: string, open: () => Promise<{ db: SqlDb; done(): Promise<void> }>): void {
  describe(`usage queries (${name})`, () => {
    let db: SqlDb;
    let done: () => Promise<void>;
    const records = randomRecords();
    beforeAll(async () => {
      ({ db, done } = await open());
      await applyMigrations(db);
      await insertRecords(db, records.slice(0, 350));
      await insertRecords(db, records.slice(300)); // overlapping batch: the 50 repeats count once
    });
    afterAll(async () => done?.());

    it('replayed records are neither inserted nor counted twice', async () => {
      expect(await insertRecords(db, records.slice(0, 10))).toBe(0);
      const [row] = await db.query('SELECT SUM(requests) AS n FROM ledger_hourly');
      expect(Number(row!['n'])).toBe(600);
      const [daily] = await db.query('SELECT SUM(requests) AS n FROM ledger_daily');
      expect(Number(daily!['n'])).toBe(600);
    });

    // Ranges that cut hours and days at odd places, a whole day, and under one hour.
    const ranges = [
      [T0 - 2 * DAY + 17 * 60_000 + 123, T0 + 2 * DAY - 5 * 60_000],
      [T0 - DAY + 7, T0 + DAY / 2 + 3 * HOUR + 11],
      [T0 - (T0 % DAY), T0 - (T0 % DAY) + DAY],
      [T0 + 10 * 60_000, T0 + 50 * 60_000],
    ] as const;

    for (const [from, to] of ranges) {
      it(`agrees with the records over [${new Date(from).toISOString()}, ${new Date(to).toISOString()}) by model and project`, async () => {
        const page = await usageSummary(db, { from, to, limit: 100, groupBy: ['model', 'project'] });
        const want = oracle(records, from, to, (r) => `${r.requestModel}|${r.project ?? ''}`);
        expect(page.percentiles).toBe('exact');
        expect(page.items.map((g) => `${g.key.model}|${g.key.project ?? ''}`).sort()).toEqual([...want.keys()].sort());
        for (const g of page.items) {
          const w = want.get(`${g.key.model}|${g.key.project ?? ''}`)!;
          expect(g).toMatchObject({ requests: w.requests, errors: w.errors, tokens: { input: w.input, cachedInput: w.cached, total: w.total } });
          expect(g.unpricedRequests).toBe(w.requests - (w.cost === null ? 0 : g.requests - g.unpricedRequests));
          if (w.cost === null) expect(g.costUsd).toBeNull();
          else expect(g.costUsd).toBeCloseTo(w.cost, 12);
          expectPercentile(g.ttftMs.p50, w.ttft, 0.5);
          expectPercentile(g.durationMs.p95, w.duration, 0.95);
        }
        // The same range with histogram percentiles: totals identical, estimates within a bucket.
        const estimated = await usageSummary(db, { from, to, limit: 100, groupBy: ['model', 'project'], exactLimit: 0 });
        expect(estimated.percentiles).toBe('histogram');
        for (const [i, g] of estimated.items.entries()) {
          const w = want.get(`${g.key.model}|${g.key.project ?? ''}`)!;
          expect(g.requests).toBe(page.items[i]!.requests);
          expectWithinBucket(g.ttftMs.p50, w.ttft, 0.5);
          expectWithinBucket(g.durationMs.p95, w.duration, 0.95);
        }
      });
    }

    it('filters, orders by a total, and pages with a cursor', async () => {
      const [from, to] = ranges[0];
      const want = oracle(records.filter((r) => r.project === 'team-a'), from, to, (r) => r.requestModel!);
      const byCost = [...want].sort((a, b) => (b[1].cost ?? 0) - (a[1].cost ?? 0)).map(([k]) => k);
      const first = await usageSummary(db, { from, to, limit: 2, groupBy: ['model'], orderBy: 'cost', filters: { project: 'team-a' } });
      expect(first.items.map((g) => g.key.model)).toEqual(byCost.slice(0, 2));
      expect(first.next).toEqual([2]);
      const second = await usageSummary(db, { from, to, limit: 2, groupBy: ['model'], orderBy: 'cost', filters: { project: 'team-a' }, cursor: first.next! });
      expect(second.items.map((g) => g.key.model)).toEqual(byCost.slice(2));
      expect(second.next).toBeUndefined();
      const all = await usageSummary(db, { from, to, limit: 10, groupBy: [] });
      expect(all.items).toHaveLength(1);
      expect(all.items[0]!.requests).toBe([...oracle(records, from, to, () => '')][0]![1].requests);
      const none = await usageSummary(db, { from: T0 + 30 * DAY, to: T0 + 31 * DAY, limit: 10, groupBy: [] });
      expect(none.items).toEqual([]);
    });

    it('builds hourly and daily time series that add up to the records', async () => {
      for (const interval of ['hour', 'day'] as const) {
        const step = interval === 'hour' ? HOUR : DAY;
        const series = await usageTimeseries(db, { from: T0 - 3 * DAY, to: T0 + 3 * DAY, interval, groupBy: ['model'] });
        expect(series.truncated).toBe(false);
        const want = oracle(records, -Infinity, Infinity, (r) => `${r.ts - (r.ts % step)}|${r.requestModel}`);
        expect(series.points).toHaveLength(want.size);
        for (const p of series.points) {
          const w = want.get(`${p.start}|${p.key.model}`)!;
          expect(p.requests).toBe(w.requests);
          expect(p.tokens.input).toBe(w.input);
          if (w.cost !== null) expect(p.costUsd).toBeCloseTo(w.cost, 12);
          expectWithinBucket(p.durationMs.p50, w.duration, 0.5);
          expectWithinBucket(p.ttftMs.p95, w.ttft, 0.95);
        }
        expect(series.points.map((p) => p.start)).toEqual([...series.points.map((p) => p.start)].sort((a, b) => a - b));
      }
    });

    it('backfills the rollups from existing rows exactly as the writer builds them', async () => {
      const dims = ['bucket', ...ROLLUP_DIMENSIONS].join(', ');
      const snapshot = async (d: SqlDb, table: string) =>
        (await d.query(`SELECT ${dims}, ${ROLLUP_COUNTERS.join(', ')} FROM ${table} ORDER BY ${dims}`)).map((r) =>
          Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && k !== 'bucket' && !(ROLLUP_DIMENSIONS as readonly string[]).includes(k) ? Number(v) : v])),
        );
      const fresh = openSqliteDb(':memory:');
      try {
        await applyMigrations(fresh, MIGRATIONS.filter((m) => m.version <= 2));
        const rows = await db.query('SELECT * FROM ledger ORDER BY request_id');
        const cols = Object.keys(rows[0]!).filter((c) => c !== 'sent_model'); // added by migration 4
        for (const r of rows) await fresh.run(`INSERT INTO ledger (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, cols.map((c) => (typeof r[c] === 'string' && /tokens|ts|status|stream/.test(c) ? Number(r[c]) : r[c])));
        await applyMigrations(fresh);
        for (const table of ['ledger_hourly', 'ledger_daily']) {
          const a = await snapshot(fresh, table);
          const b = await snapshot(db, table);
          expect(a.length).toBe(b.length);
          a.forEach((row, i) => {
            for (const [k, v] of Object.entries(row)) {
              if (typeof v === 'number' && k === 'cost_usd') expect(v).toBeCloseTo(Number(b[i]![k]), 12);
              else expect(String(v)).toBe(String(b[i]![k]));
            }
          });
        }
        const [t] = await fresh.query("SELECT requests, first_ts, last_ts FROM ledger_traces WHERE trace_id = 't-7'");
        const mine = records.filter((r) => r.traceId === 't-7');
        expect(t).toMatchObject({ requests: mine.length, first_ts: Math.min(...mine.map((r) => r.ts)), last_ts: Math.max(...mine.map((r) => r.ts)) });
      } finally {
        await fresh.close();
      }
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
