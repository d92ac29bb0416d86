import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations } from '../storage/migrations.js';
import type { SqlDb } from '../storage/sql-db.js';
import { openSqliteDb } from '../access/sqlite-store.js';
import { ledgerRecord } from '../../test/support/ledger-records.js';
import { LedgerWriter } from './ledger-writer.js';
import { SpillFile } from './spill-file.js';

const logger = pino({ level: 'silent' });

/** A database whose every statement fails while `down` is set. */
function flaky(db: SqlDb): SqlDb & { down: boolean } {
  const f = {
    down: false,
    dialect: db.dialect,
    query: (sql: string, p?: readonly unknown[]) => (f.down ? Promise.reject(new Error('connection refused')) : db.query(sql, p)),
    run: (sql: string, p?: readonly unknown[]) => (f.down ? Promise.reject(new Error('connection refused')) : db.run(sql, p)),
    transaction: <T>(fn: Parameters<SqlDb['transaction']>[0]) => (f.down ? Promise.reject(new Error('connection refused')) : (db.transaction(fn) as Promise<T>)),
    close: () => db.close(),
  };
  return f;
}

let dir: string;
let db: SqlDb;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledger-writer-'));
  db = openSqliteDb(':memory:');
  await applyMigrations(db);
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

async function ids(): Promise<string[]> {
  return (await db.query('SELECT request_id FROM ledger ORDER BY request_id')).map((r) => String(r['request_id']));
}

function writer(d: SqlDb, over: Partial<ConstructorParameters<typeof LedgerWriter>[0]> = {}): { w: LedgerWriter; spill: SpillFile; written: string[] } {
  const spill = new SpillFile(join(dir, 'spill', 'ledger.jsonl'));
  const written: string[] = [];
  const w = new LedgerWriter({
    db: async () => d,
    spill,
    logger,
    maxQueue: 100,
    batchSize: 7,
    flushIntervalMs: 0,
    onWritten: (rs) => written.push(...rs.map((r) => r.requestId)),
    ...over,
  });
  return { w, spill, written };
}

describe('LedgerWriter', () => {
  it('writes queued records in batches', async () => {
    const { w, written } = writer(db);
    const records = Array.from({ length: 20 }, () => ledgerRecord());
    for (const r of records) w.push(r);
    expect(w.backlog).toBe(20);
    await w.flush();
    expect(w.backlog).toBe(0);
    expect(await ids()).toEqual(records.map((r) => r.requestId).sort());
    expect(written).toHaveLength(20);
  });

  it('spills during a store outage and replays once the store is back: all arrive, none twice', async () => {
    const d = flaky(db);
    const { w, spill } = writer(d);
    const before = Array.from({ length: 5 }, () => ledgerRecord());
    for (const r of before) w.push(r);
    await w.flush();
    d.down = true;
    const during = Array.from({ length: 30 }, () => ledgerRecord());
    for (const r of during.slice(0, 15)) w.push(r);
    await w.flush();
    for (const r of during.slice(15)) w.push(r);
    await w.flush();
    expect(spill.size).toBe(30);
    expect(w.backlog).toBe(30);
    // one of the spilled records did reach the database before the outage was noticed
    d.down = false;
    await db.run('INSERT INTO ledger (request_id, ts, status, duration_ms) VALUES (?, 1, 200, 1)', [during[3]!.requestId]);
    const after = ledgerRecord();
    w.push(after);
    await w.flush();
    expect(w.backlog).toBe(0);
    const all = [...before, ...during, after].map((r) => r.requestId).sort();
    expect(await ids()).toEqual(all);
    await expect(readFile(spill.path, 'utf8')).rejects.toThrow();
  });

  it('spills when the queue is full and loses nothing', async () => {
    const { w, spill } = writer(db, { maxQueue: 10 });
    const records = Array.from({ length: 25 }, () => ledgerRecord());
    for (const r of records) w.push(r);
    await spill.idle();
    expect(spill.size).toBe(20);
    expect(w.backlog).toBe(25);
    await w.flush();
    expect((await ids()).length).toBe(25);
  });

  it('close() spills what the database cannot take; a new writer replays it (skipping torn lines)', async () => {
    const d = flaky(db);
    d.down = true;
    const first = writer(d);
    const records = Array.from({ length: 4 }, () => ledgerRecord());
    for (const r of records) first.w.push(r);
    await first.w.close();
    await writeFile(first.spill.path, (await readFile(first.spill.path, 'utf8')) + '{"requestId":"torn', { flag: 'w' });
    d.down = false;
    const second = writer(d);
    await second.spill.init();
    expect(second.w.backlog).toBe(5);
    await second.w.flush();
    expect(await ids()).toEqual(records.map((r) => r.requestId).sort());
    expect(second.w.backlog).toBe(0);
    await second.w.close();
  });

  it('a replay that fails keeps the spill file, with what was appended meanwhile', async () => {
    const d = flaky(db);
    const { w, spill } = writer(d, { batchSize: 2 });
    d.down = true;
    const records = Array.from({ length: 5 }, () => ledgerRecord());
    for (const r of records) w.push(r);
    await w.flush();
    expect(spill.size).toBe(5);
    // the store comes back for the first replay batch only
    d.down = false;
    let calls = 0;
    const half: SqlDb = { ...d, transaction: (fn) => (++calls > 1 ? Promise.reject(new Error('gone again')) : db.transaction(fn)) };
    const second = writer(half, { batchSize: 2 });
    await second.spill.init();
    await second.w.flush();
    expect(second.spill.size).toBe(5);
    expect((await ids()).length).toBe(2);
    const third = writer(db);
    await third.spill.init();
    await third.w.flush();
    expect(third.spill.size).toBe(0);
    expect(await ids()).toEqual(records.map((r) => r.requestId).sort());
  });

  it('an outage while opening the database spills too', async () => {
    const { w, spill } = writer(db, { db: () => Promise.reject(new Error('no store')) });
    w.push(ledgerRecord());
    await w.flush();
    expect(spill.size).toBe(1);
  });
});
