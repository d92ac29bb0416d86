/**
 * The read-only debug endpoints on the admin port, against the real service: off by default;
 * when on, the active generation (secrets redacted), rules, modules with their versions, streams
 * in flight, and the recent routing decisions of real requests sent over ext_proc.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load.js';
import { MAX_MODEL_CHARS } from '../../src/server/decision-ring.js';
import { startService, type TestService } from '../support/service.js';
import { bodyMessage, chatHeaders, connect, headersMessage, mutationOf, RawStream } from '../support/raw-stream.js';
import type { ExtProcClient } from '../harness/ext-proc-client.js';

const API_KEY = 'sk-debug-endpoint-test-literal-5f2a9c';
const ROUTER_TOKEN = 'router-option-token-8d1e77';
const PROMPT = 'a prompt that must never be shown';
const BEARER = 'Bearer sk-client-credential-0b3c';
const PATHS = ['/debug/config', '/debug/rules', '/debug/status', '/debug/decisions'];

const CONFIG = `admin: { debug: true, recentDecisions: 20 }
router:
  module: ./tenant-router.mjs
  options: { rule: premium, apiToken: ${ROUTER_TOKEN} }
metrics:
  module: '@acme/llm-metrics'
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends:
      - { name: openai, host: api.openai.com, auth: { apiKey: { key: ${API_KEY} } } }
  - name: anthropic
    headers: [{ name: x-ai-eg-model, prefix: "claude-" }]
    backends:
      - { name: anthropic, auth: { apiKey: { filename: secrets/anthropic } } }
  - name: premium
    headers: [{ name: x-tenant, present: true }]
models: [{ name: gpt-4o-mini, ownedBy: openai }]
`;

const ROUTER = `export default function createRouter(defaultRouter, { options }) {
  return { calculate: (headers, request) => (headers['x-tenant'] === 'premium' ? options.rule : defaultRouter.calculate(headers, request)) };
}
`;
const METRICS = `export default function createMetrics(_meter, { defaultFactory }) { return defaultFactory; }
`;

let dir: string;
let configFile: string;
let svc: TestService;
let client: ExtProcClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'debug-endpoints-'));
  configFile = join(dir, 'config.yaml');
  await writeFile(configFile, CONFIG);
  await writeFile(join(dir, 'tenant-router.mjs'), ROUTER);
  // The anthropic backend's key file (relative to the config file): requests need it to go upstream.
  await mkdir(join(dir, 'secrets'));
  await writeFile(join(dir, 'secrets', 'anthropic'), 'sk-ant-debug-file-key\n');
  const pkg = join(dir, 'node_modules', '@acme', 'llm-metrics');
  await mkdir(pkg, { recursive: true });
  await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: '@acme/llm-metrics', version: '3.2.1', type: 'module', exports: './index.js' }));
  await writeFile(join(pkg, 'index.js'), METRICS);
  svc = await startService({ loaded: await loadConfigFile(configFile) });
  client = connect(svc.target);
});
afterAll(async () => {
  client?.close();
  await svc?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function get(base: string, path: string): Promise<{ status: number; text: string; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`);
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Record<string, unknown> };
}

/** Sends one chat request over ext_proc the way Envoy does; resolves with the route set, or the HTTP status of a local reply. */
async function chat(model: string, headers: Record<string, string> = {}): Promise<string | number> {
  const s = new RawStream(client);
  await s.roundTrip(headersMessage(chatHeaders({ authorization: BEARER, ...headers })));
  const r = await s.roundTrip(bodyMessage(JSON.stringify({ model, messages: [{ role: 'user', content: PROMPT }] }), true));
  await s.close();
  return r.immediateResponse ? client.statusCode(r.immediateResponse.status?.code)! : mutationOf(r).set['x-ai-eg-selected-route']!;
}

interface Decision {
  model: string;
  rule?: string;
  outcome: string;
  latencyMs: number;
  at: string;
}

describe('debug endpoints disabled (the default)', () => {
  it('answer 404 on every path', async () => {
    const off = await startService();
    try {
      for (const path of PATHS) {
        const r = await get(off.adminUrl, path);
        expect(r.status).toBe(404);
        expect(r.body).toEqual({ error: { code: 'debug_disabled', message: 'debug endpoints are disabled (admin.debug: false)' } });
      }
    } finally {
      await off.stop();
    }
  });
});

describe('debug endpoints enabled', () => {
  it('/debug/config shows the generation (hash, load time, source) and the config with secrets redacted', async () => {
    const before = Date.now();
    const r = await get(svc.adminUrl, '/debug/config');
    expect(r.status).toBe(200);
    expect(r.text).not.toContain(API_KEY);
    expect(r.text).not.toContain(ROUTER_TOKEN);
    const generation = r.body['generation'] as Record<string, unknown>;
    expect(generation).toMatchObject({
      id: 1,
      hash: createHash('sha256').update(await readFile(configFile, 'utf8')).digest('hex'),
      source: configFile,
      modules: { router: './tenant-router.mjs', metrics: '@acme/llm-metrics' },
    });
    expect(Date.parse(generation['loadedAt'] as string)).toBeLessThanOrEqual(before);
    const config = r.body['config'] as { rules: Array<{ backends: Array<{ auth: unknown }> }>; router: { options: unknown } };
    expect(config.rules[0]!.backends[0]!.auth).toEqual({ apiKey: { key: '[redacted]' } });
    expect(config.rules[1]!.backends[0]!.auth).toEqual({ apiKey: { filename: 'secrets/anthropic' } });
    expect(config.router.options).toEqual({ rule: 'premium', apiToken: '[redacted]' });
  });

  it('/debug/rules lists the rules with their matchers and backend names, and the models', async () => {
    const r = await get(svc.adminUrl, '/debug/rules');
    expect(r.status).toBe(200);
    expect(r.text).not.toContain(API_KEY);
    const rules = r.body['rules'] as Array<{ name: string; backends: string[]; headers: unknown[] }>;
    expect(rules.map((x) => [x.name, x.backends])).toEqual([
      ['openai', ['openai']],
      ['anthropic', ['anthropic']],
      ['premium', []],
    ]);
    expect(rules[0]!.headers).toEqual([expect.objectContaining({ name: 'x-ai-eg-model', prefix: 'gpt-' })]);
    expect(r.body['models']).toEqual([{ name: 'gpt-4o-mini', ownedBy: 'openai' }]);
  });

  it('/debug/status names the modules with file path + mtime and package version', async () => {
    const r = await get(svc.adminUrl, '/debug/status');
    expect(r.status).toBe(200);
    const mtime = (await stat(join(dir, 'tenant-router.mjs'))).mtime.toISOString();
    expect(r.body).toEqual({
      generation: 1,
      modules: { router: './tenant-router.mjs', metrics: '@acme/llm-metrics' },
      moduleDetails: {
        router: { specifier: './tenant-router.mjs', kind: 'file', path: join(dir, 'tenant-router.mjs'), mtime },
        metrics: { specifier: '@acme/llm-metrics', kind: 'package', name: '@acme/llm-metrics', version: '3.2.1' },
      },
      inFlightStreams: 0,
    });
  });

  it('/debug/decisions lists routed and refused requests newest first, without bodies or credentials', async () => {
    const start = Date.now();
    expect(await chat('gpt-4o-mini')).toBe('openai');
    expect(await chat('llama-3-70b')).toBe(404);
    expect(await chat('claude-sonnet-4-5')).toBe('anthropic');
    expect(await chat('gpt-4o', { 'x-tenant': 'premium' })).toBe('premium');
    const r = await get(svc.adminUrl, '/debug/decisions');
    expect(r.status).toBe(200);
    expect(r.text).not.toContain(PROMPT);
    expect(r.text).not.toContain(BEARER);
    const decisions = (r.body['decisions'] as Decision[]).slice(0, 4);
    expect(decisions.map((d) => [d.model, d.rule ?? null, d.outcome])).toEqual([
      ['gpt-4o', 'premium', 'routed'],
      ['claude-sonnet-4-5', 'anthropic', 'routed'],
      ['llama-3-70b', null, 'no_route'],
      ['gpt-4o-mini', 'openai', 'routed'],
    ]);
    for (const d of decisions) {
      expect(Object.keys(d).sort()).toEqual(d.rule === undefined ? ['at', 'latencyMs', 'model', 'outcome'] : ['at', 'latencyMs', 'model', 'outcome', 'rule']);
      expect(d.latencyMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(d.at)).toBeGreaterThanOrEqual(start - 1000);
      expect(Date.parse(d.at)).toBeLessThanOrEqual(Date.now());
    }
    const times = decisions.map((d) => Date.parse(d.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('keeps a huge client-sent model name short in the decision list', async () => {
    const model = `gpt-${'x'.repeat(20_000)}`;
    expect(await chat(model)).toBe('openai');
    const latest = ((await get(svc.adminUrl, '/debug/decisions')).body['decisions'] as Decision[])[0]!;
    expect(latest.model).toBe(`${model.slice(0, MAX_MODEL_CHARS)}…`);
  });

  it('/debug/status counts a stream held open as in flight', async () => {
    const s = new RawStream(client);
    await s.roundTrip(headersMessage(chatHeaders()));
    try {
      expect((await get(svc.adminUrl, '/debug/status')).body['inFlightStreams']).toBe(1);
      expect(svc.server.inFlight).toBe(1);
    } finally {
      await s.roundTrip(bodyMessage(JSON.stringify({ model: 'gpt-4o', messages: [] }), true));
      await s.close();
    }
    await expect.poll(async () => (await get(svc.adminUrl, '/debug/status')).body['inFlightStreams']).toBe(0);
  });

  it('follow a reload: a new generation shows, admin.recentDecisions resizes the list, and admin.debug: false turns them off', async () => {
    const models = ['gpt-r1', 'gpt-r2', 'gpt-r3'];
    for (const m of models) expect(await chat(m)).toBe('openai');
    const smaller = join(dir, 'smaller.yaml');
    await writeFile(smaller, (await readFile(configFile, 'utf8')).replace('recentDecisions: 20', 'recentDecisions: 2'));
    await svc.server.reload(loadConfigFile(smaller));
    const status = await get(svc.adminUrl, '/debug/status');
    expect(status.body['generation']).toBe(2);
    const kept = (await get(svc.adminUrl, '/debug/decisions')).body['decisions'] as Decision[];
    expect(kept.map((d) => d.model)).toEqual(['gpt-r3', 'gpt-r2']);
    const offFile = join(dir, 'off.yaml');
    await writeFile(offFile, 'admin: { debug: false }\n');
    await svc.server.reload(loadConfigFile(offFile));
    for (const path of PATHS) expect((await get(svc.adminUrl, path)).status).toBe(404);
  });
});
