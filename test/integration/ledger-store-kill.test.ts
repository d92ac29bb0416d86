/**
 * The ledger when its PostgreSQL store dies mid-run: requests go through the Envoy-protocol
 * harness with the OpenAI SDK while the ledger writes to PostgreSQL through a TCP proxy that is
 * killed (every connection cut, new ones refused) and later revived. No request may fail, no
 * record may be lost or counted twice: after the store returns, every request is in the ledger
 * table once and in the hourly rollup once.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../src/storage/migrations.js';
import { openPostgresDb } from '../../src/access/postgres-store.js';
import type { SqlDb } from '../../src/storage/sql-db.js';
import { startPgLedgerService, type PgLedgerService } from '../support/pg-ledger-service.js';
import { createTestSchema, type TestSchema } from '../support/postgres.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { chatCompletionJson } from '../support/openai-bodies.js';

const COMPLETION = chatCompletionJson({ id: 'chatcmpl-kill', model: 'gpt-4o-mini', usage: { prompt_tokens: 30, completion_tokens: 7, total_tokens: 37 } });

let dir: string;
let schema: TestSchema;
let direct: SqlDb;
let proxied: SqlDb;
let proxy: TcpProxy;
let world: PgLedgerService;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledger-kill-'));
  schema = await createTestSchema();
  direct = openPostgresDb({ url: schema.url, schema: schema.schema });
  await applyMigrations(direct);
  const target = new URL(schema.url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const viaProxy = new URL(schema.url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  proxied = openPostgresDb({ url: viaProxy.href, schema: schema.schema });
  world = await startPgLedgerService({ dir, db: proxied, completion: COMPLETION });
});

afterAll(async () => {
  await world?.close();
  await proxy?.close();
  await proxied?.close();
  await direct?.close();
  await schema?.drop();
  await rm(dir, { recursive: true, force: true });
});

const send = (n: number, tag: string): Promise<string[]> => world.send(n, tag);

describe('ledger on PostgreSQL killed mid-run', () => {
  it('loses no record and counts none twice; they arrive after the store returns', async () => {
    const before = await send(4, 'before');
    await expect.poll(async () => Number((await direct.query('SELECT COUNT(*) AS n FROM ledger'))[0]!['n']), { timeout: 10_000 }).toBe(4);

    // The store dies while traffic flows: in-flight batches fail, new connections are refused.
    const during: Promise<string[]> = send(6, 'during');
    proxy.kill();
    const lost = [...(await during), ...(await send(5, 'dead'))];
    await world.ledger.flush();
    expect(world.ledger.backlog).toBeGreaterThan(0);
    const spilled = (await readFile(world.spillPath, 'utf8')).trim().split('\n').length;
    expect(spilled).toBeGreaterThan(0);
    expect(world.svc.logText()).toContain('ledger database unavailable');

    // The store returns: the spill file replays, and later traffic is written as usual.
    proxy.revive();
    const after = await send(3, 'after');
    await expect.poll(async () => (await world.ledger.flush(), world.ledger.backlog), { timeout: 10_000 }).toBe(0);

    const all = [...before, ...lost, ...after];
    const rows = await direct.query('SELECT request_id, input_tokens, output_tokens FROM ledger');
    expect(rows.map((r) => r['request_id']).sort()).toEqual([...all].sort());
    expect(rows.every((r) => Number(r['input_tokens']) === 30 && Number(r['output_tokens']) === 7)).toBe(true);
    const [hourly] = await direct.query('SELECT SUM(requests) AS n, SUM(input_tokens) AS input FROM ledger_hourly');
    expect(Number(hourly!['n'])).toBe(all.length);
    expect(Number(hourly!['input'])).toBe(30 * all.length);
    expect(world.route.harness.violations).toEqual([]);
  });
});
