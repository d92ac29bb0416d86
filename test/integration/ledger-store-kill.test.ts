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
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../src/storage/migrations.js';
import { openPostgresDb } from '../../src/access/postgres-store.js';
import type { SqlDb } from '../../src/storage/sql-db.js';
import { parseConfig } from '../../src/config/load.js';
import { LedgerRuntime } from '../../src/ledger/ledger-runtime.js';
import { createTestSchema, type TestSchema } from '../support/postgres.js';
import { startService, type TestService } from '../support/service.js';
import { jsonReply, startSingleRoute, type SingleRoute } from '../support/single-route.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { chatCompletionJson } from '../support/openai-bodies.js';

const COMPLETION = chatCompletionJson({ id: 'chatcmpl-kill', model: 'gpt-4o-mini', usage: { prompt_tokens: 30, completion_tokens: 7, total_tokens: 37 } });

let dir: string;
let schema: TestSchema;
let direct: SqlDb;
let proxied: SqlDb;
let proxy: TcpProxy;
let ledger: LedgerRuntime;
let svc: TestService;
let route: SingleRoute;

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
  const loaded = parseConfig(
    `
ledger: { enabled: true, spillPath: ${JSON.stringify(join(dir, 'spill.jsonl'))}, flushIntervalMs: 20, batchSize: 3, budgetSyncIntervalMs: 3600000 }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai }]
`,
    join(dir, 'config.yaml'),
  );
  svc = await startService({
    loaded,
    cwd: dir,
    ledger: async (meter, logger) => {
      ledger = new LedgerRuntime({ db: async () => proxied, config: loaded.config.ledger, spillPath: loaded.config.ledger.spillPath, meter, logger });
      await ledger.start();
      return ledger;
    },
  });
  route = await startSingleRoute({ processorAddress: svc.target, handler: jsonReply(COMPLETION) });
});

afterAll(async () => {
  await route?.close();
  await svc?.stop();
  await proxy?.close();
  await proxied?.close();
  await direct?.close();
  await schema?.drop();
  await rm(dir, { recursive: true, force: true });
});

const client = () => new OpenAI({ baseURL: `${route.harness.url}/v1`, apiKey: 'sk-client', maxRetries: 0 });

async function send(n: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const { response } = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `${tag}${i}` }] }).withResponse();
      ids.push(response.headers.get('x-request-id')!);
    }),
  );
  return ids;
}

describe('ledger on PostgreSQL killed mid-run', () => {
  it('loses no record and counts none twice; they arrive after the store returns', async () => {
    const before = await send(4, 'before');
    await expect.poll(async () => Number((await direct.query('SELECT COUNT(*) AS n FROM ledger'))[0]!['n']), { timeout: 10_000 }).toBe(4);

    // The store dies while traffic flows: in-flight batches fail, new connections are refused.
    const during: Promise<string[]> = send(6, 'during');
    proxy.kill();
    const lost = [...(await during), ...(await send(5, 'dead'))];
    await ledger.flush();
    expect(ledger.backlog).toBeGreaterThan(0);
    const spilled = (await readFile(join(dir, 'spill.jsonl'), 'utf8')).trim().split('\n').length;
    expect(spilled).toBeGreaterThan(0);
    expect(svc.logText()).toContain('ledger database unavailable');

    // The store returns: the spill file replays, and later traffic is written as usual.
    proxy.revive();
    const after = await send(3, 'after');
    await expect.poll(async () => (await ledger.flush(), ledger.backlog), { timeout: 10_000 }).toBe(0);

    const all = [...before, ...lost, ...after];
    const rows = await direct.query('SELECT request_id, input_tokens, output_tokens FROM ledger');
    expect(rows.map((r) => r['request_id']).sort()).toEqual([...all].sort());
    expect(rows.every((r) => Number(r['input_tokens']) === 30 && Number(r['output_tokens']) === 7)).toBe(true);
    const [hourly] = await direct.query('SELECT SUM(requests) AS n, SUM(input_tokens) AS input FROM ledger_hourly');
    expect(Number(hourly!['n'])).toBe(all.length);
    expect(Number(hourly!['input'])).toBe(30 * all.length);
    expect(route.harness.violations).toEqual([]);
  });
});
