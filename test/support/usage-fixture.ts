/**
 * A service with usage in its ledger, for tests of what reads it (the dashboard): the real
 * service with gateway keys of two projects, the ledger in a SQLite file, a price table, a mock
 * OpenAI upstream behind the Envoy-protocol harness, real requests through the official
 * `openai` SDK (two models, streamed and not, one upstream error) and earlier hours' records
 * written through the ledger's own writer. Every record is kept with its expected cost,
 * computed here from the price table's numbers.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import OpenAI from 'openai';
import { pino } from 'pino';
import { accessRuntimeFor, type AccessRuntime } from '../../src/access/access-runtime.js';
import { parseConfig } from '../../src/config/load.js';
import { sqlDbOf } from '../../src/ledger/open-ledger.js';
import type { RecordedRequest } from '../harness/mock-upstream.js';
import { FakeKeyLookup, gatewayKey } from './fake-keys.js';
import { ledgerRecord } from './ledger-records.js';
import { startSingleRoute, type SingleRoute } from './single-route.js';
import { startService, type TestService } from './service.js';

/** The admin token of the fixture's service. */
export const ADMIN_TOKEN = 'dashboard-admin-token-5678';
const KEYS = { 'team-a': 'gk-dash-team-a-0001', 'team-b': 'gk-dash-team-b-0002' } as const;
const HOUR_MS = 3_600_000;

/** USD per million tokens, as in the price table file. */
const PRICES = {
  'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
} as const;
type Model = keyof typeof PRICES;

const PRICE_FILE = `models:
${Object.entries(PRICES)
  .map(([model, p]) => `  - { provider: openai, model: ${model}, input: ${p.input}, cachedInput: ${p.cachedInput}, output: ${p.output} }`)
  .join('\n')}
`;

/** Tokens the mock upstream reports per model: prompt (of which cached) and completion. */
const USAGE: Record<Model, { prompt: number; cached: number; completion: number }> = {
  'gpt-4o': { prompt: 1000, cached: 400, completion: 100 },
  'gpt-4o-mini': { prompt: 2000, cached: 0, completion: 500 },
};
/** How long the upstream waits before the first streamed chunk, per model. */
const FIRST_CHUNK_DELAY_MS: Record<Model, number> = { 'gpt-4o': 90, 'gpt-4o-mini': 40 };

/** What one record should hold. */
export interface ExpectedRecord {
  readonly model: Model;
  readonly project: 'team-a' | 'team-b';
  readonly costUsd: number;
  readonly error: boolean;
  readonly totalTokens: number;
  /** USD a response cache hit saved (0 for other requests). */
  readonly costSavedUsd?: number;
}

/** The cost of `tokens` at `model`'s prices (the ledger's formula, no reasoning or cache writes). */
export function expectedCost(model: Model, tokens: { prompt: number; cached: number; completion: number }): number {
  const p = PRICES[model];
  return ((tokens.prompt - tokens.cached) * p.input + tokens.cached * p.cachedInput + tokens.completion * p.output) / 1e6;
}

/** A running fixture. */
export interface UsageFixture {
  readonly service: TestService;
  readonly records: readonly ExpectedRecord[];
  /** Ledger rows' finish times (ms) by whether they cost anything. */
  rowTimes(): Promise<Array<{ ts: number; costUsd: number | null }>>;
  close(): Promise<void>;
}

function sse(res: ServerResponse, model: string, firstChunkDelayMs: number, usage: { prompt: number; cached: number; completion: number }): Promise<void> {
  const chunk = (extra: object): string => `data: ${JSON.stringify({ id: 'chatcmpl-dash', object: 'chat.completion.chunk', created: 1, model, ...extra })}\n\n`;
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.flushHeaders();
  // Upstream latency to the first token, which the service measures as TTFT.
  return delay(firstChunkDelayMs).then(() => {
    res.write(chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'hi' }, finish_reason: null }] }));
    res.write(chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
    const u = { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion, prompt_tokens_details: { cached_tokens: usage.cached } };
    res.end(`${chunk({ choices: [], usage: u })}data: [DONE]\n\n`);
  });
}

async function upstreamAnswer(req: RecordedRequest, res: ServerResponse): Promise<void> {
  const body = JSON.parse(req.body.toString() || '{}') as { model: Model; stream?: boolean; messages?: Array<{ content: string }> };
  if (body.messages?.[0]?.content === 'fail') {
    res.writeHead(500, { 'content-type': 'application/json' });
    return void res.end(JSON.stringify({ error: { message: 'the upstream broke', type: 'server_error', code: null } }));
  }
  const usage = USAGE[body.model];
  if (body.stream) return sse(res, body.model, FIRST_CHUNK_DELAY_MS[body.model], usage);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: 'chatcmpl-dash',
      object: 'chat.completion',
      created: 1,
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion, prompt_tokens_details: { cached_tokens: usage.cached } },
    }),
  );
}

/** Earlier hours' traffic: hours ago, model, project, streamed TTFT (ms) or none, error. */
const HISTORY: ReadonlyArray<[number, Model, 'team-a' | 'team-b', number | null, boolean]> = [
  [2, 'gpt-4o', 'team-a', 420, false],
  [2, 'gpt-4o-mini', 'team-b', 150, false],
  [4, 'gpt-4o', 'team-a', 610, false],
  [7, 'gpt-4o-mini', 'team-b', 180, true],
  [7, 'gpt-4o-mini', 'team-b', 210, false],
  [11, 'gpt-4o', 'team-b', 350, false],
  [15, 'gpt-4o', 'team-a', 900, false],
  [15, 'gpt-4o', 'team-a', 480, false],
  [19, 'gpt-4o-mini', 'team-a', 260, false],
];

/** Starts the service, sends the traffic, writes the history and flushes the ledger. */
export async function startUsageFixture(): Promise<UsageFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'usage-fixture-'));
  await writeFile(join(dir, 'prices.yaml'), PRICE_FILE);
  const loaded = parseConfig(
    `
auth: { enabled: true, store: { driver: sqlite, path: ${JSON.stringify(join(dir, 'gw.db'))} } }
admin: { token: { env: ADMIN_TOKEN } }
ledger: { enabled: true, spillPath: ${JSON.stringify(join(dir, 'ledger-spill.jsonl'))}, flushIntervalMs: 3600000, budgetSyncIntervalMs: 3600000 }
pricing: { file: ${JSON.stringify(join(dir, 'prices.yaml'))} }
rateLimits:
  limits:
    - { name: gateway, requestsPerMinute: 100000 }
    - { name: per-project, per: [project], tokensPerMinute: 100000000 }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai }]
`,
    join(dir, 'config.yaml'),
  );
  const readEnv = (n: string): string | undefined => (n === 'ADMIN_TOKEN' ? ADMIN_TOKEN : undefined);
  const access: AccessRuntime = accessRuntimeFor(loaded, { logger: pino({ level: 'silent' }), cwd: dir, readEnv });
  const keys = new FakeKeyLookup();
  keys.set(KEYS['team-a'], gatewayKey({ id: 'aaaaaaaaaaaaaaaa', project: 'team-a' }));
  keys.set(KEYS['team-b'], gatewayKey({ id: 'bbbbbbbbbbbbbbbb', project: 'team-b' }));
  await access.store();
  const service = await startService({
    loaded,
    cwd: dir,
    readEnv,
    keys,
    access,
    ledgerDb: async () => sqlDbOf(await access.store()),
  });
  let route: SingleRoute | undefined;
  const close = async (): Promise<void> => {
    await route?.close();
    await service.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    route = await startSingleRoute({ processorAddress: service.target, handler: upstreamAnswer });
    const harness = route.harness;
    const records: ExpectedRecord[] = [];
    const send = async (project: 'team-a' | 'team-b', model: Model, opts: { stream?: boolean; fail?: boolean } = {}): Promise<void> => {
      const client = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: KEYS[project], maxRetries: 0 });
      const messages = [{ role: 'user' as const, content: opts.fail ? 'fail' : 'hello' }];
      if (opts.fail) {
        const err = await client.chat.completions.create({ model, messages }).catch((e: unknown) => e);
        if (!(err instanceof OpenAI.InternalServerError)) throw new Error(`expected the upstream's 500, got ${String(err)}`);
        records.push({ model, project, costUsd: 0, error: true, totalTokens: 0 });
        return;
      }
      if (opts.stream) {
        const stream = await client.chat.completions.create({ model, messages, stream: true });
        for await (const chunk of stream) void chunk;
      } else {
        await client.chat.completions.create({ model, messages });
      }
      const u = USAGE[model];
      records.push({ model, project, costUsd: expectedCost(model, u), error: false, totalTokens: u.prompt + u.completion });
    };
    await send('team-a', 'gpt-4o');
    await send('team-a', 'gpt-4o');
    await send('team-a', 'gpt-4o', { stream: true });
    await send('team-b', 'gpt-4o-mini', { stream: true });
    await send('team-b', 'gpt-4o-mini', { stream: true });
    await send('team-b', 'gpt-4o-mini', { fail: true });
    await harness.settled();

    const now = Date.now();
    for (const [hoursAgo, model, project, ttftMs, error] of HISTORY) {
      const u = error ? { prompt: 0, cached: 0, completion: 0 } : USAGE[model];
      const costUsd = expectedCost(model, u);
      service.ledger!.record(
        ledgerRecord({
          ts: now - hoursAgo * HOUR_MS,
          project,
          keyId: project === 'team-a' ? 'aaaaaaaaaaaaaaaa' : 'bbbbbbbbbbbbbbbb',
          requestModel: model,
          responseModel: model,
          stream: ttftMs !== null,
          status: error ? 500 : 200,
          errorType: error ? 'http_500' : null,
          inputTokens: u.prompt,
          cachedInputTokens: u.cached,
          outputTokens: u.completion,
          totalTokens: u.prompt + u.completion,
          ttftMs,
          durationMs: (ttftMs ?? 200) + 300,
          costUsd,
        }),
      );
      records.push({ model, project, costUsd, error, totalTokens: u.prompt + u.completion });
    }
    // A response cache hit an hour ago: the original tokens, cost 0, its price saved.
    const hitUsage = USAGE['gpt-4o'];
    const saved = expectedCost('gpt-4o', hitUsage);
    service.ledger!.record(
      ledgerRecord({
        ts: now - HOUR_MS,
        project: 'team-a',
        keyId: 'aaaaaaaaaaaaaaaa',
        requestModel: 'gpt-4o',
        responseModel: 'gpt-4o',
        inputTokens: hitUsage.prompt,
        cachedInputTokens: hitUsage.cached,
        outputTokens: hitUsage.completion,
        totalTokens: hitUsage.prompt + hitUsage.completion,
        durationMs: 1,
        costUsd: 0,
        costSavedUsd: saved,
      }),
    );
    records.push({ model: 'gpt-4o', project: 'team-a', costUsd: 0, error: false, totalTokens: hitUsage.prompt + hitUsage.completion, costSavedUsd: saved });
    const db = sqlDbOf(await access.store());
    const count = async (): Promise<number> => Number((await db.query('SELECT COUNT(*) AS n FROM ledger'))[0]!['n']);
    // The last request's record is queued when its exchange ends; write until all are stored.
    const deadline = Date.now() + 10_000;
    for (;;) {
      await service.ledger!.flush();
      if ((await count()) === records.length) break;
      if (Date.now() > deadline) throw new Error(`the ledger holds ${await count()} records, not ${records.length}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return {
      service,
      records,
      rowTimes: async () => (await db.query('SELECT ts, cost_usd FROM ledger')).map((r) => ({ ts: Number(r['ts']), costUsd: r['cost_usd'] === null ? null : Number(r['cost_usd']) })),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
