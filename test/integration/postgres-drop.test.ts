/**
 * The service with its ledger on a real PostgreSQL whose backends the test terminates
 * (`pg_terminate_backend`, scoped to this test's application_name) in each phase: idle, in the
 * middle of the ledger's insert transaction, and in the middle of a spill-file replay. Requests
 * go through the Envoy-protocol harness with the OpenAI SDK all along. The process must live,
 * no request may fail, and once the database answers again every request is in the ledger
 * exactly once (none lost from memory, none counted twice).
 */
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../src/storage/migrations.js';
import { openPostgresDb } from '../../src/access/postgres-store.js';
import type { SqlDb } from '../../src/storage/sql-db.js';
import { chatCompletionJson } from '../support/openai-bodies.js';
import { BackendKiller, uniqueApplicationName, urlFor } from '../support/pg-terminate.js';
import { startPgLedgerService, type PgLedgerService } from '../support/pg-ledger-service.js';
import { createTestSchema, type TestSchema } from '../support/postgres.js';

const COMPLETION = chatCompletionJson({ id: 'chatcmpl-drop', model: 'gpt-4o-mini', usage: { prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 } });

let dir: string;
let schema: TestSchema;
let killer: BackendKiller;
let check: SqlDb;
let serviceDb: SqlDb;
let world: PgLedgerService;
const lostConnections: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pg-drop-'));
  schema = await createTestSchema();
  check = openPostgresDb({ url: schema.url, schema: schema.schema });
  await applyMigrations(check);
  const app = uniqueApplicationName('pgdrop');
  killer = await BackendKiller.connect(app);
  await killer.query(`SET search_path = ${schema.schema}`);
  serviceDb = openPostgresDb({ url: urlFor(app), schema: schema.schema, onConnectionError: (err) => lostConnections.push(err.message) });
  world = await startPgLedgerService({ dir, db: serviceDb, completion: COMPLETION });
});

afterAll(async () => {
  await world?.close();
  await serviceDb?.close();
  await killer?.close();
  await check?.close();
  await schema?.drop();
  await rm(dir, { recursive: true, force: true });
});

const sent: string[] = [];

async function send(n: number, tag: string): Promise<void> {
  sent.push(...(await world.send(n, tag)));
}

const ledgerRows = async (): Promise<number> => Number((await check.query('SELECT COUNT(*) AS n FROM ledger'))[0]!['n']);
const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** Polls until one of the service's backends waits on a lock (its statement is blocked, its transaction open). */
async function blockedOnLock(): Promise<void> {
  await expect.poll(async () => (await killer.backends()).some((b) => b.waitEventType === 'Lock'), { timeout: 10_000 }).toBe(true);
}

describe('ledger on PostgreSQL whose connections are terminated', () => {
  it('idle: later records are written as usual', async () => {
    await send(4, 'idle-before');
    await expect.poll(ledgerRows, { timeout: 10_000 }).toBe(4);
    expect(await killer.terminate()).toBeGreaterThan(0);
    await send(4, 'idle-after');
    await expect.poll(ledgerRows, { timeout: 10_000 }).toBe(8);
  });

  it('mid-transaction, then during the spill replay: records spill, replay, and arrive once', async () => {
    // Hold the rollup table: the ledger's insert transaction blocks inside, after its INSERT.
    await killer.query('BEGIN');
    await killer.query('LOCK TABLE ledger_hourly IN EXCLUSIVE MODE');
    await send(3, 'mid-tx');
    await blockedOnLock();
    await killer.terminate();
    // The batch was rolled back with its connection: it goes to the spill file, not away; the
    // next write (20 ms on) replays that file — moved aside while it replays — and blocks on
    // the same lock: kill it mid-replay.
    await expect.poll(() => exists(`${world.spillPath}.replaying`), { timeout: 10_000 }).toBe(true);
    expect(world.ledger.backlog).toBeGreaterThan(0);
    await blockedOnLock();
    await send(2, 'mid-replay');
    await killer.terminate();
    await killer.query('COMMIT');

    // Requests kept flowing; once the database is free everything arrives, once.
    await send(3, 'after');
    await expect.poll(async () => (await world.ledger.flush(), world.ledger.backlog), { timeout: 10_000 }).toBe(0);
    const rows = await check.query('SELECT request_id FROM ledger');
    expect(rows.map((r) => r['request_id']).sort()).toEqual([...sent].sort());
    const [hourly] = await check.query('SELECT SUM(requests) AS n, SUM(input_tokens) AS input FROM ledger_hourly');
    expect(Number(hourly!['n'])).toBe(sent.length);
    expect(Number(hourly!['input'])).toBe(11 * sent.length);
    expect(lostConnections.length).toBeGreaterThan(0);
    expect(world.route.harness.violations).toEqual([]);
  });
});
