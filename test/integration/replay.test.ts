/**
 * `llm-extproc replay` against the real service on port 0: the shipped sample exchanges and a
 * recorded cassette are played over real ext_proc streams, and the summary, the ledger (SQLite,
 * with the shipped price table) and the Prometheus metrics all show the traffic.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessRuntimeFor, type AccessRuntime } from '../../src/access/access-runtime.js';
import { runCliIn } from '../../src/cli/test-cli.js';
import { parseConfig } from '../../src/config/load.js';
import { sqlDbOf } from '../../src/ledger/open-ledger.js';
import type { ReplaySummary } from '../../src/replay/replay-summary.js';
import { CASSETTE_DIR } from '../support/cassettes.js';
import { startService, type TestService } from '../support/service.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PRICES = join(ROOT, 'examples', 'pricing.yaml');

let dir: string;
let svc: TestService;
let access: AccessRuntime;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'replay-it-'));
  const yaml = `
auth: { store: { driver: sqlite, path: ${JSON.stringify(join(dir, 'gw.db'))} } }
ledger: { enabled: true, spillPath: ${JSON.stringify(join(dir, 'spill.jsonl'))}, flushIntervalMs: 3600000, budgetSyncIntervalMs: 3600000 }
pricing: { file: ${JSON.stringify(PRICES)} }
rules:
  - { name: openai, headers: [{ name: x-ai-eg-model, prefix: "gpt-" }], backends: [{ name: openai }] }
  - { name: anthropic, headers: [{ name: x-ai-eg-model, prefix: "claude-" }], backends: [{ name: anthropic }] }
  - { name: gemini, headers: [{ name: x-ai-eg-model, prefix: "gemini-" }], backends: [{ name: gemini }] }
`;
  const loaded = parseConfig(yaml, join(dir, 'config.yaml'));
  access = accessRuntimeFor(loaded, { logger: pino({ level: 'silent' }), cwd: dir, readEnv: () => undefined });
  svc = await startService({
    loaded,
    cwd: dir,
    access,
    ledgerDb: async () => sqlDbOf(await access.store()),
  });
});

afterAll(async () => {
  await svc?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function ledgerRows(): Promise<Array<Record<string, unknown>>> {
  await svc.ledger!.flush();
  return sqlDbOf(await access.store()).query('SELECT * FROM ledger ORDER BY ts, request_id');
}

describe('llm-extproc replay against the running service', () => {
  it('plays the shipped samples, prints the summary, and fills the ledger and the metrics', async () => {
    const before = (await ledgerRows()).length;
    const run = await runCliIn(ROOT, ['replay', 'examples/replay/exchanges.jsonl', '--target', svc.target, '--concurrency', '4', '--json']);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.out) as ReplaySummary;
    expect(summary.requests).toBe(10);
    expect(summary.failed).toBe(0);
    // The five chat exchanges route to openai (the unknown model too: its 404 is the provider's);
    // the embeddings model and llama-3 match no rule and are answered locally with 404.
    expect(summary.rules).toEqual({ openai: 5, anthropic: 2, gemini: 1, '(none)': 2 });
    expect(summary.statuses['404']).toBe(3);
    expect(summary.statuses['400']).toBe(1);
    expect(summary.statuses['200']).toBe(6);
    expect(summary.tokens.input).toBeGreaterThan(0);
    expect(summary.tokens.output).toBeGreaterThan(0);
    expect(summary.costUsd).toBeGreaterThan(0);
    expect(summary.latencyMs.p50).toBeGreaterThan(0);
    expect(summary.latencyMs.max).toBeGreaterThanOrEqual(summary.latencyMs.p99);

    const rows = (await ledgerRows()).slice(before);
    expect(rows).toHaveLength(10);
    const byRule = (rule: string) => rows.filter((r) => r['rule'] === rule);
    expect(byRule('anthropic')).toHaveLength(2);
    const gemini = byRule('gemini')[0]!;
    expect(gemini['input_tokens']).toBe(120);
    expect(Number(gemini['cost_usd'])).toBeGreaterThan(0);
    const tokensInLedger = rows.reduce((n, r) => n + Number(r['input_tokens'] ?? 0), 0);
    expect(tokensInLedger).toBe(summary.tokens.input);

    const metrics = await svc.metricsText();
    expect(metrics).toMatch(/gen_ai_client_token_usage\w*\{[^}]*gen_ai_request_model="claude-sonnet-4-20250514"/);
    expect(metrics).toMatch(/gen_ai_server_request_duration\w*_count\{[^}]*gen_ai_request_model="gemini-2.5-flash"[^}]*\} 1/);
  });

  it('plays a recorded cassette with a streamed response, and repeats it with --count', async () => {
    const run = await runCliIn(ROOT, ['replay', join(CASSETTE_DIR, 'chat-streaming-detailed-usage.yaml'), '--target', svc.target, '--count', '3', '--json']);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.out) as ReplaySummary;
    expect(summary).toMatchObject({ requests: 3, failed: 0, rules: { openai: 3 }, statuses: { '200': 3 } });
    // The recorded stream reports 12 prompt and 100 completion tokens in its last event.
    expect(summary.tokens).toEqual({ input: 36, output: 300, total: 336 });
  });

  it('prints the text table by default', async () => {
    const run = await runCliIn(ROOT, ['replay', 'examples/replay/exchanges.jsonl', '--target', svc.target, '--rate', '200']);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^10 requests in /);
    for (const heading of ['rule', 'status', 'usage', 'latency (ext_proc stream)']) expect(run.out).toContain(`\n${heading}\n`);
    expect(run.out).toMatch(/ {2}p99 +\d+\.\d ms/);
  });

  it('draws a progress bar on standard error only when it is a terminal', async () => {
    const args = ['replay', 'examples/replay/exchanges.jsonl', '--target', svc.target, '--count', '3'];
    const tty = await runCliIn(ROOT, args, {}, true);
    expect(tty.code).toBe(0);
    expect(tty.err).toMatch(/\r\[#+\] 3\/3\n$/);
    expect((await runCliIn(ROOT, args)).err).toBe('');
    expect((await runCliIn(ROOT, [...args, '--json'], {}, true)).err).toBe('');
  });

  it('fails each exchange, not the run, when nothing listens, and exits 1', async () => {
    const run = await runCliIn(ROOT, ['replay', 'examples/replay/exchanges.jsonl', '--target', 'unix:/nonexistent/replay.sock', '--count', '2', '--timeout-ms', '2000', '--json']);
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.out) as ReplaySummary;
    expect(summary).toMatchObject({ requests: 2, failed: 2, statuses: { error: 2 } });
    expect(summary.errors[0]!.source).toBe('examples/replay/exchanges.jsonl:1');
  });

  it('refuses a bad file naming file and line (exit 2)', async () => {
    const run = await runCliIn(ROOT, ['replay', 'examples/pricing.yaml', '--target', svc.target]);
    expect(run.code).toBe(2);
    expect(run.err).toContain('examples/pricing.yaml: no interactions list');
  });
});
