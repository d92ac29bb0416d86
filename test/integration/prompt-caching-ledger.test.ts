/**
 * Prompt caching with gateway keys and the usage ledger, through the Envoy-protocol harness and
 * the real service with the OpenAI SDK: Fireworks gets affinity and isolation keys derived
 * (opaquely) from the key's project, a client's own isolation key is kept, and a response with
 * cached tokens is recorded with its cached input tokens and a cost that prices them separately.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessRuntimeFor, type AccessRuntime } from '../../src/access/access-runtime.js';
import { parseConfig } from '../../src/config/load.js';
import { LedgerRuntime } from '../../src/ledger/ledger-runtime.js';
import { sqlDbOf } from '../../src/ledger/open-ledger.js';
import { startHarness, type Harness } from '../harness/harness.js';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream.js';
import { FakeKeyLookup, gatewayKey } from '../support/fake-keys.js';
import { startService, type TestService } from '../support/service.js';

describe('Fireworks with project isolation, and the usage ledger', () => {
  const MODEL = 'accounts/fireworks/models/llama-v3p1-70b-instruct';
  const KEY = 'gk-cache-team-0001';
  /** Prices per million tokens written to the table below. */
  const PRICE = { input: 0.9, cachedInput: 0.2, output: 1.8 };
  /** 2000 prompt tokens of which 1536 cached, 100 completion tokens. */
  const USAGE = { prompt_tokens: 2000, completion_tokens: 100, total_tokens: 2100, prompt_tokens_details: { cached_tokens: 1536 } };
  const EXPECTED_COST = ((2000 - 1536) * PRICE.input + 1536 * PRICE.cachedInput + 100 * PRICE.output) / 1e6;

  let dir: string;
  let svc: TestService;
  let access: AccessRuntime;
  let ledger: LedgerRuntime;
  let h: Harness;
  let upstream: MockUpstream;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prompt-caching-ledger-'));
    await writeFile(
      join(dir, 'prices.yaml'),
      `models:\n  - { model: "accounts/fireworks/*", input: ${PRICE.input}, cachedInput: ${PRICE.cachedInput}, output: ${PRICE.output} }\n`,
    );
    const yaml = `
auth: { enabled: true, store: { driver: sqlite, path: ${JSON.stringify(join(dir, 'gw.db'))} } }
ledger: { enabled: true, spillPath: ${JSON.stringify(join(dir, 'spill', 'ledger.jsonl'))}, flushIntervalMs: 3600000, budgetSyncIntervalMs: 3600000 }
pricing: { file: ${JSON.stringify(join(dir, 'prices.yaml'))} }
rules:
  - name: fireworks
    headers: [{ name: x-ai-eg-model, prefix: "accounts/fireworks/" }]
    backends: [{ name: fireworks, schema: { name: OpenAI } }]
    promptCaching: { mode: auto, provider: fireworks, key: { from: project }, isolation: project }
`;
    const loaded = parseConfig(yaml, join(dir, 'config.yaml'));
    const logger = pino({ level: 'silent' });
    const readEnv = (): string | undefined => undefined;
    access = accessRuntimeFor(loaded, { logger, cwd: dir, readEnv });
    const keys = new FakeKeyLookup();
    keys.set(KEY, gatewayKey({ id: 'cccccccccccccccc', project: 'team-cache' }));
    await access.store();
    svc = await startService({
      loaded,
      cwd: dir,
      readEnv,
      keys,
      access,
      ledger: async (meter, serviceLogger) => {
        ledger = new LedgerRuntime({ db: async () => sqlDbOf(await access.store()), config: loaded.config.ledger, spillPath: loaded.config.ledger.spillPath, meter, logger: serviceLogger });
        await ledger.start();
        return ledger;
      },
    });
    upstream = await startMockUpstream({
      handler: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'fw-1', object: 'chat.completion', created: 1, model: MODEL, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: USAGE }));
      },
    });
    h = await startHarness({
      processorAddress: svc.target,
      mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
      allowModeOverride: true,
      routes: [{ header: 'x-ai-eg-selected-route', value: 'fireworks', upstream: 'fireworks' }],
      upstreams: { fireworks: upstream },
    });
  });

  afterAll(async () => {
    await h?.close();
    await upstream?.close();
    await svc?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const client = (headers: Record<string, string> = {}) => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: KEY, maxRetries: 0, defaultHeaders: headers });

  it('sends the project-derived affinity and isolation keys (opaque, stable), keeping a client isolation key', async () => {
    await client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'one' }] });
    const first = upstream.requests.at(-1)!.headers;
    await client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'two' }] });
    const second = upstream.requests.at(-1)!.headers;
    expect(first['x-prompt-cache-isolation-key']).toMatch(/^p-[0-9a-f]{32}$/);
    expect(first['x-session-affinity']).toMatch(/^p-[0-9a-f]{32}$/);
    expect(second['x-prompt-cache-isolation-key']).toBe(first['x-prompt-cache-isolation-key']);
    expect(second['x-session-affinity']).toBe(first['x-session-affinity']);
    expect(JSON.stringify(first)).not.toContain('team-cache');
    await client({ 'x-prompt-cache-isolation-key': 'tenant-7' }).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'three' }] });
    const third = upstream.requests.at(-1)!.headers;
    expect(third['x-prompt-cache-isolation-key']).toBe('tenant-7');
    expect(third['x-session-affinity']).toBe(first['x-session-affinity']);
    expect(h.violations).toEqual([]);
  });

  it('records cached input tokens and a cost with cached input priced separately', async () => {
    await ledger.flush();
    const rows = await sqlDbOf(await access.store()).query('SELECT * FROM ledger ORDER BY ts, request_id');
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row).toMatchObject({ project: 'team-cache', rule: 'fireworks', backend: 'fireworks', model: MODEL, input_tokens: 2000, cached_input_tokens: 1536, output_tokens: 100 });
      expect(row['cost_usd']).toBeCloseTo(EXPECTED_COST, 12);
    }
  });
});
