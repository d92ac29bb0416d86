/**
 * A backend's `modelNameOverride` sends model B for the client's model A: when the provider's
 * answer names no model, the price, the cost counter and the ledger use B (what was sent), and
 * the ledger keeps both names. Through the real service, the official OpenAI SDK and the
 * Envoy-protocol harness, with a real SQLite ledger.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { accessRuntimeFor, type AccessRuntime } from '../../src/access/access-runtime.js';
import { parseConfig } from '../../src/config/load.js';
import { sqlDbOf } from '../../src/ledger/open-ledger.js';
import { startService, type TestService } from '../support/service.js';
import { jsonReply, startSingleRoute, type SingleRoute } from '../support/single-route.js';

/** A completion that names no model: 1000 prompt tokens, 100 completion tokens. */
const ANONYMOUS = JSON.stringify({
  id: 'chatcmpl-x',
  object: 'chat.completion',
  created: 1,
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100 },
});
// Only the name sent upstream has a price: (1000 × 0.15 + 100 × 0.60) / 1e6.
const PRICES = 'models:\n  - { provider: openai, model: gpt-4o-mini, input: 0.15, output: 0.60 }\n';
const EXPECTED_COST = 0.00021;

let dir: string;
let svc: TestService;
let access: AccessRuntime;
let route: SingleRoute;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sent-model-'));
  await writeFile(join(dir, 'prices.yaml'), PRICES);
  const loaded = parseConfig(
    `
auth: { enabled: false, store: { driver: sqlite, path: ${JSON.stringify(join(dir, 'gw.db'))} } }
ledger: { enabled: true, flushIntervalMs: 50 }
pricing: { file: prices.yaml }
rules:
  - name: house
    headers: [{ name: x-ai-eg-model, exact: house-model }]
    backends: [{ name: openai, host: api.openai.com, modelNameOverride: gpt-4o-mini }]
`,
    join(dir, 'config.yaml'),
  );
  access = accessRuntimeFor(loaded, { logger: pino({ level: 'silent' }), cwd: dir });
  await access.store();
  svc = await startService({
    loaded,
    cwd: dir,
    access,
    ledgerDb: async () => sqlDbOf(await access.store()),
    ledgerSpillPath: join(dir, 'spill.jsonl'),
  });
  route = await startSingleRoute({ processorAddress: svc.target, rule: 'house', handler: jsonReply(ANONYMOUS) });
});

afterAll(async () => {
  await route?.close();
  await svc?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('prices, counts and records the model sent when the provider names none, keeping both names', async () => {
  const client = new OpenAI({ baseURL: `${route.harness.url}/v1`, apiKey: 'sk-client', maxRetries: 0 });
  await client.chat.completions.create({ model: 'house-model', messages: [{ role: 'user', content: 'hi' }] });
  expect(JSON.parse(route.upstream.requests.at(-1)!.body.toString()).model).toBe('gpt-4o-mini');
  await expect.poll(async () => (await sqlDbOf(await access.store()).query('SELECT model, sent_model, response_model, cost_usd FROM ledger')).length, { timeout: 5000 }).toBe(1);
  const [row] = await sqlDbOf(await access.store()).query('SELECT model, sent_model, response_model, cost_usd FROM ledger');
  expect(row).toMatchObject({ model: 'house-model', sent_model: 'gpt-4o-mini', response_model: null });
  expect(Number(row!['cost_usd'])).toBeCloseTo(EXPECTED_COST, 12);
  const metrics = await svc.metricsText();
  expect(metrics).toMatch(/gen_ai_client_cost_(USD_)?total\{[^}]*gen_ai_request_model="house-model"[^}]*\} 0\.00021/);
  const line = svc.logs.find((l) => l['msg'] === 'request finished' && l['model'] === 'house-model');
  expect(line).toMatchObject({ model: 'house-model', sent_model: 'gpt-4o-mini' });
});
