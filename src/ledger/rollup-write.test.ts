import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../storage/migrations.js';
import { openPostgresDb } from '../access/postgres-store.js';
import type { SqlDb } from '../storage/sql-db.js';
import { createTestSchema, type TestSchema } from '../../test/support/postgres.js';
import { ledgerRecord } from '../../test/support/ledger-records.js';
import { bucketOf } from '../storage/latency-histogram.js';
import { insertRecords } from './ledger-sql.js';
import { recordCounters, recordDimensions } from './rollup-write.js';
import { ROLLUP_COUNTERS } from '../storage/rollup-sql.js';

const T0 = Date.UTC(2026, 0, 15, 12);

describe('recordCounters / recordDimensions', () => {
  it('turn a record into its rollup contribution', () => {
    const r = ledgerRecord({ inputTokens: 10, cachedInputTokens: null, outputTokens: 4, totalTokens: 14, costUsd: null, errorType: 'http_500', ttftMs: 3, durationMs: 250, project: null });
    const c = recordCounters(r);
    const at = (name: string) => c[ROLLUP_COUNTERS.indexOf(name as (typeof ROLLUP_COUNTERS)[number])];
    expect([at('requests'), at('errors'), at('input_tokens'), at('cached_input_tokens'), at('total_tokens'), at('cost_usd'), at('priced')]).toEqual([1, 1, 10, 0, 14, 0, 0]);
    expect(at(`t${bucketOf(3)}`)).toBe(1);
    expect(at(`d${bucketOf(250)}`)).toBe(1);
    expect(c.reduce((a, b) => a + b, 0)).toBe(1 + 1 + 10 + 4 + 14 + 1 + 1);
    expect(recordDimensions(r)[3]).toBe('');
  });
});

describe('rollups under concurrent writers (PostgreSQL)', () => {
  let schema: TestSchema;
  let a: SqlDb;
  let b: SqlDb;
  beforeAll(async () => {
    schema = await createTestSchema();
    a = openPostgresDb({ url: schema.url, schema: schema.schema });
    b = openPostgresDb({ url: schema.url, schema: schema.schema });
    await applyMigrations(a);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await schema?.drop();
  });

  it('two replicas writing the same rollup rows in opposite orders neither deadlock nor lose counts', async () => {
    const models = Array.from({ length: 12 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    const batch = (replica: string, round: number, order: readonly string[]) =>
      order.map((model) => ledgerRecord({ requestId: `${replica}-${round}-${model}`, ts: T0, requestModel: model, traceId: `trace-${model}`, inputTokens: 1 }));
    const rounds = 15;
    for (let round = 0; round < rounds; round++) {
      await Promise.all([insertRecords(a, batch('a', round, models)), insertRecords(b, batch('b', round, [...models].reverse()))]);
    }
    const [hourly] = await a.query('SELECT SUM(requests) AS n, COUNT(*) AS rows FROM ledger_hourly');
    expect(Number(hourly!['n'])).toBe(2 * rounds * models.length);
    expect(Number(hourly!['rows'])).toBe(models.length);
    const [traces] = await a.query('SELECT SUM(requests) AS n FROM ledger_traces');
    expect(Number(traces!['n'])).toBe(2 * rounds * models.length);
  });
});
