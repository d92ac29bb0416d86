/**
 * The PostgreSQL pool against a real server whose backends the test terminates in every phase:
 * idle, mid-query, between two statements of a transaction, mid-statement in a transaction.
 * Each time the process must live on (an unhandled `error` event would fail the run), the
 * caller waiting on the dead connection gets a rejection, and the next statement works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendKiller, uniqueApplicationName, urlFor } from '../../test/support/pg-terminate.js';
import { createTestSchema, type TestSchema } from '../../test/support/postgres.js';
import { openPostgresDb } from './postgres-store.js';
import type { SqlDb } from '../storage/sql-db.js';

let schema: TestSchema;
let killer: BackendKiller;
let db: SqlDb;
const lost: string[] = [];

beforeAll(async () => {
  schema = await createTestSchema();
  const app = uniqueApplicationName('pgpool');
  killer = await BackendKiller.connect(app);
  db = openPostgresDb({ url: urlFor(app), schema: schema.schema, onConnectionError: (err, source) => lost.push(`${source}: ${err.message}`) });
  await db.run('CREATE TABLE t (id INTEGER PRIMARY KEY)');
});

afterAll(async () => {
  await db?.close();
  await killer?.close();
  await schema?.drop();
});

async function stillWorks(): Promise<void> {
  // More statements than the pool has clients: every dead client must have left it.
  const rows = await Promise.all(Array.from({ length: 8 }, (_, i) => db.query('SELECT ? AS n', [i])));
  expect(rows.map((r) => Number(r[0]!['n']))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
}

/** Polls until one of the application's backends is running a statement matching `pattern`. */
async function activeStatement(pattern: RegExp): Promise<void> {
  await expect.poll(async () => (await killer.backends()).some((b) => b.state === 'active' && pattern.test(b.query)), { timeout: 10_000 }).toBe(true);
}

describe('PostgreSQL connections terminated under the pool', () => {
  it('idle: the next statements reconnect', async () => {
    await stillWorks();
    expect(await killer.terminate()).toBeGreaterThan(0);
    await expect.poll(() => killer.backends().then((b) => b.length), { timeout: 10_000 }).toBe(0);
    await stillWorks();
  });

  it('mid-query, a write: the statement rejects and writes nothing, the next ones work', async () => {
    // Observed at once: the rejection may come while the test still awaits the termination.
    const running = db.run('INSERT INTO t (id) SELECT 9 FROM pg_sleep(30)').then(
      () => undefined,
      (err: unknown) => err,
    );
    await activeStatement(/pg_sleep/);
    await killer.terminate();
    const err = await running;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/terminat/i);
    expect(await db.query('SELECT id FROM t')).toEqual([]);
    await stillWorks();
  });

  it('mid-query, a read: run once more on a fresh connection', async () => {
    const before = (await killer.backends()).map((b) => b.pid);
    const running = db.query("SELECT 'answered' AS v FROM pg_sleep(0.5)");
    await activeStatement(/answered/);
    await killer.terminate();
    expect(await running).toEqual([{ v: 'answered' }]);
    // It was answered by a backend that did not exist before.
    const after = (await killer.backends()).map((b) => b.pid);
    expect(after.some((pid) => !before.includes(pid))).toBe(true);
    await stillWorks();
  });

  it('between two statements of a transaction: the transaction rolls back, nothing is written, the next ones work', async () => {
    let reached!: () => void;
    const atGap = new Promise<void>((r) => (reached = r));
    let resume!: () => void;
    const gap = new Promise<void>((r) => (resume = r));
    const before = lost.length;
    const tx = db.transaction(async (t) => {
      await t.run('INSERT INTO t (id) VALUES (?)', [1]);
      reached();
      await gap; // no statement is running on the client now: only an 'error' listener sees the drop
      await t.run('INSERT INTO t (id) VALUES (?)', [2]);
    });
    await atGap;
    await killer.terminate();
    // The checked-out client reports the lost connection while nobody is querying on it.
    await expect.poll(() => lost.length, { timeout: 10_000 }).toBeGreaterThan(before);
    resume();
    await expect(tx).rejects.toThrow();
    expect(await db.query('SELECT id FROM t')).toEqual([]);
    await stillWorks();
  });

  it('mid-statement in a transaction: the transaction rejects, the next ones work', async () => {
    // Observed at once: the rejection may come while the test still awaits the termination.
    const tx = db
      .transaction(async (t) => {
        await t.run('INSERT INTO t (id) VALUES (?)', [3]);
        await t.query('SELECT pg_sleep(30)');
      })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    await activeStatement(/pg_sleep/);
    await killer.terminate();
    const err = await tx;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/terminat/i);
    expect(await db.query('SELECT id FROM t')).toEqual([]);
    await stillWorks();
    // A transaction after the drops commits as usual.
    await db.transaction((t) => t.run('INSERT INTO t (id) VALUES (?)', [4]));
    expect(await db.query('SELECT id FROM t')).toEqual([{ id: 4 }]);
  });
});
