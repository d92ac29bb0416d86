/**
 * The usage ledger end to end: the OpenAI SDK through the Envoy-protocol harness and the real
 * service, gateway keys from an in-memory lookup, the ledger in a SQLite file, a price table,
 * budgets, the admin usage queries, and a store outage (spill, then replay).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessRuntimeFor, type AccessRuntime } from '../../src/access/access-runtime.js';
import type { SqlDb } from '../../src/storage/sql-db.js';
import { parseConfig } from '../../src/config/load.js';
import { LedgerRuntime } from '../../src/ledger/ledger-runtime.js';
import { sqlDbOf } from '../../src/ledger/open-ledger.js';
import type { Harness } from '../harness/harness.js';
import { FakeKeyLookup, gatewayKey } from '../support/fake-keys.js';
import { startService, type TestService } from '../support/service.js';
import { jsonReply, startSingleRoute, type SingleRoute } from '../support/single-route.js';
import { chatCompletionJson } from '../support/openai-bodies.js';

const TOKEN = 'ledger-admin-token-1234';
const KEY_A = 'gk-team-a-0001';
const KEY_B = 'gk-team-b-0002';
const CALLER_TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** A chat completion with 1000 prompt tokens of which 400 cached, and 100 completion tokens. */
const COMPLETION = chatCompletionJson({ id: 'chatcmpl-ledger-1', model: 'gpt-4o-2024-08-06', content: 'hi', usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100, prompt_tokens_details: { cached_tokens: 400 } } });
/** (600 × 2.50 + 400 × 1.25 + 100 × 10) / 1e6 */
const EXPECTED_COST = 0.003;

const PRICES = `
models:
  - { provider: openai, model: "gpt-4o-2*", input: 2.50, cachedInput: 1.25, output: 10.00 }
`;

let dir: string;
let svc: TestService;
let ledger: LedgerRuntime;
let access: AccessRuntime;
let harness: Harness;
let route: SingleRoute;
let adminUrl: string;
let metricsText: () => Promise<string>;
/** The ledger's view of the database: fails every statement while `down` is set. */
const outage = { down: false };

function flaky(db: SqlDb): SqlDb {
  const fail = (): Promise<never> => Promise.reject(new Error('connection refused'));
  return {
    dialect: db.dialect,
    query: (sql, p) => (outage.down ? fail() : db.query(sql, p)),
    run: (sql, p) => (outage.down ? fail() : db.run(sql, p)),
    transaction: (fn) => (outage.down ? fail() : db.transaction(fn)),
    close: () => db.close(),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledger-it-'));
  await writeFile(join(dir, 'prices.yaml'), PRICES);
  const yaml = `
auth: { enabled: true, store: { driver: sqlite, path: ${JSON.stringify(join(dir, 'gw.db'))} } }
admin: { token: { env: ADMIN_TOKEN } }
ledger: { enabled: true, traceHeader: x-session-id, spillPath: ${JSON.stringify(join(dir, 'spill', 'ledger.jsonl'))}, flushIntervalMs: 3600000, budgetSyncIntervalMs: 3600000 }
pricing: { file: ${JSON.stringify(join(dir, 'prices.yaml'))} }
budgets: [{ project: team-b, window: day, maxTokens: 1100 }]
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai }]
`;
  const loaded = parseConfig(yaml, join(dir, 'config.yaml'));
  const logger = pino({ level: 'silent' });
  const readEnv = (n: string): string | undefined => (n === 'ADMIN_TOKEN' ? TOKEN : undefined);
  access = accessRuntimeFor(loaded, { logger, cwd: dir, readEnv });
  const keys = new FakeKeyLookup();
  keys.set(KEY_A, gatewayKey({ id: 'aaaaaaaaaaaaaaaa', project: 'team-a' }));
  keys.set(KEY_B, gatewayKey({ id: 'bbbbbbbbbbbbbbbb', project: 'team-b' }));
  await access.store();
  svc = await startService({
    loaded,
    cwd: dir,
    readEnv,
    keys,
    access,
    ledger: async (meter, serviceLogger) => {
      ledger = new LedgerRuntime({
        db: async () => flaky(sqlDbOf(await access.store())),
        config: loaded.config.ledger,
        spillPath: loaded.config.ledger.spillPath,
        meter,
        logger: serviceLogger,
      });
      await ledger.start();
      return ledger;
    },
  });
  adminUrl = svc.adminUrl;
  metricsText = svc.metricsText;
  route = await startSingleRoute({ processorAddress: svc.target, handler: jsonReply(COMPLETION) });
  harness = route.harness;
});

afterAll(async () => {
  await route?.close();
  await svc?.stop();
  await rm(dir, { recursive: true, force: true });
});

function client(key: string, headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: key, maxRetries: 0, defaultHeaders: headers });
}

async function admin(path: string): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${adminUrl}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function ledgerRows(): Promise<Array<Record<string, unknown>>> {
  return sqlDbOf(await access.store()).query('SELECT * FROM ledger ORDER BY ts, request_id');
}

describe('usage ledger through the real service', () => {
  it('logs no warning about its budgets: the ledger counts their spend', () => {
    expect(svc.logs.filter((l) => l['path'] === 'budgets')).toEqual([]);
  });

  it('records requests with ids, tokens and cost (cached input priced separately); the summary returns them', async () => {
    const raw = await client(KEY_A, { traceparent: CALLER_TRACE })
      .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], user: 'session-42' })
      .withResponse();
    const requestId = raw.response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    const sent = route.upstream.requests.at(-1)!;
    expect(sent.headers['x-request-id']).toBe(requestId);
    expect(sent.headers['traceparent']).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(sent.headers['traceparent']).not.toBe(CALLER_TRACE);
    expect(harness.lastExchange()?.dynamicMetadata['io.envoy.ai_gateway']?.['cost_usd']).toBeCloseTo(EXPECTED_COST, 12);

    await client(KEY_A, { 'x-session-id': 'header-trace' }).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'again' }], user: 'ignored' });
    await ledger.flush();

    const rows = await ledgerRows();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      request_id: requestId,
      trace_id: 'session-42',
      response_id: 'chatcmpl-ledger-1',
      project: 'team-a',
      key_id: 'aaaaaaaaaaaaaaaa',
      rule: 'openai',
      backend: 'openai',
      provider: 'openai',
      api: 'openai.chat_completions',
      model: 'gpt-4o',
      response_model: 'gpt-4o-2024-08-06',
      stream: 0,
      status: 200,
      error_type: null,
      input_tokens: 1000,
      cached_input_tokens: 400,
      output_tokens: 100,
      total_tokens: 1100,
    });
    expect(rows[0]!['cost_usd']).toBeCloseTo(EXPECTED_COST, 12);
    expect(rows[1]!['trace_id']).toBe('header-trace');

    const summary = await admin('/admin/usage/summary?groupBy=project,model');
    expect(summary.status).toBe(200);
    expect(summary.body['groups']).toEqual([
      expect.objectContaining({ key: { project: 'team-a', model: 'gpt-4o' }, requests: 2, errors: 0, tokens: expect.objectContaining({ input: 2000, cachedInput: 800, output: 200, total: 2200 }) }),
    ]);
    expect(summary.body['groups'][0].costUsd).toBeCloseTo(2 * EXPECTED_COST, 12);
    const traces = await admin('/admin/traces');
    expect(traces.body['traces'].map((t: { traceId: string }) => t.traceId).sort()).toEqual(['header-trace', 'session-42']);
    const one = await admin('/admin/traces/session-42');
    expect(one.body['requests'].map((r: { requestId: string }) => r.requestId)).toEqual([requestId]);
    expect((await admin('/admin/traces/none')).status).toBe(404);
    expect((await admin('/admin/usage/summary?groupBy=colour')).status).toBe(400);
    expect(await metricsText()).toMatch(/gen_ai_client_cost_total\{[^}]*llm_extproc_project="team-a"[^}]*\} 0\.006/);
  });

  it('stops a project at its budget with 429 in the API error shape and retry-after', async () => {
    const b = client(KEY_B);
    await b.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'one' }] });
    const err = (await b.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'two' }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.status).toBe(429);
    expect(err.code).toBe('budget_exceeded');
    const retryAfter = Number(err.headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect(err.headers?.get('x-request-id')).toBeTruthy();
    // another project is not affected
    await client(KEY_A).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a' }] });
  });

  it('spills during a store outage and replays when the store is back: all arrive once', async () => {
    await ledger.flush();
    const before = (await ledgerRows()).length;
    outage.down = true;
    for (let i = 0; i < 3; i++) await client(KEY_A).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: `o${i}` }] });
    await ledger.flush();
    expect(ledger.backlog).toBe(3);
    expect(await metricsText()).toMatch(/llm_extproc_ledger_backlog(_\{[^}]*\})?\S* 3/);
    outage.down = false;
    await client(KEY_A).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'back' }] });
    await ledger.flush();
    expect(ledger.backlog).toBe(0);
    const rows = await ledgerRows();
    expect(rows).toHaveLength(before + 4);
    expect(new Set(rows.map((r) => r['request_id'])).size).toBe(rows.length);
  });
});
