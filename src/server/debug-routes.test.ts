import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import { pino } from 'pino';
import { closeServer, listenOnLoopback } from '../../test/support/listen.js';
import { parseConfig } from '../config/load.js';
import type { Generation } from '../processor/generation.js';
import { createAdminServer } from './admin-http.js';
import { DecisionRing } from './decision-ring.js';
import { debugRoutes } from './debug-routes.js';

const API_KEY = 'sk-test-must-never-appear-0123456789';

const { config } = parseConfig(
  `
admin: { debug: true }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends:
      - { name: openai, host: api.openai.com, auth: { apiKey: { key: "${API_KEY}" } } }
      - { name: openai-eu, auth: { apiKey: { filename: /etc/secrets/openai-eu } } }
router: { module: ./premium.js, options: { apiKey: "${API_KEY}", rule: premium } }
models: [{ name: gpt-4o-mini, ownedBy: openai }]
`,
  'debug.yaml',
);

const generation = {
  info: { id: 3, hash: 'abc123', source: 'debug.yaml', loadedAt: Date.UTC(2025, 5, 1, 12), modules: { router: './premium.js' } },
  config,
} as unknown as Generation;

let enabled = true;
let current: Generation | undefined = generation;
const ring = new DecisionRing(10);
let server: Server;
let base: string;

beforeAll(async () => {
  ring.push({ model: 'gpt-4o-mini', rule: 'openai', outcome: 'routed', latencyMs: 0.2 }, Date.UTC(2025, 5, 1, 12, 0, 1));
  server = createAdminServer({
    ready: () => true,
    metrics: (_req, res) => void res.end(),
    routes: debugRoutes({ enabled: () => enabled, generation: () => current, inFlight: () => 2, decisions: () => ring.list() }),
    logger: pino({ level: 'silent' }),
  });
  base = await listenOnLoopback(server);
});

afterAll(() => closeServer(server));

async function get(path: string): Promise<{ status: number; text: string; body: unknown }> {
  const res = await fetch(`${base}${path}`);
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) };
}

const PATHS = ['/debug/config', '/debug/rules', '/debug/status', '/debug/decisions'];

describe('debug routes', () => {
  it('are 404 when disabled', async () => {
    enabled = false;
    try {
      for (const path of PATHS) {
        const r = await get(path);
        expect(r.status).toBe(404);
        expect(r.body).toEqual({ error: { code: 'debug_disabled', message: 'debug endpoints are disabled (admin.debug: false)' } });
      }
    } finally {
      enabled = true;
    }
  });

  it('/debug/config shows the generation and the redacted config: an API key literal never appears', async () => {
    const r = await get('/debug/config');
    expect(r.status).toBe(200);
    expect(r.text).not.toContain(API_KEY);
    const body = r.body as { generation: Record<string, unknown>; config: typeof config };
    expect(body.generation).toEqual({ id: 3, hash: 'abc123', source: 'debug.yaml', loadedAt: '2025-06-01T12:00:00.000Z', modules: { router: './premium.js' } });
    expect(body.config.rules[0]!.backends[0]!.auth).toEqual({ apiKey: { key: '[redacted]' } });
    expect(body.config.rules[0]!.backends[1]!.auth).toEqual({ apiKey: { filename: '/etc/secrets/openai-eu' } });
    expect(body.config.router.options).toEqual({ apiKey: '[redacted]', rule: 'premium' });
  });

  it('/debug/rules lists rules with backend names only, and models', async () => {
    const r = await get('/debug/rules');
    expect(r.text).not.toContain(API_KEY);
    expect(r.body).toEqual({
      rules: [{ name: 'openai', headers: [{ name: 'x-ai-eg-model', prefix: 'gpt-', invert: false, ignoreCase: false }], backends: ['openai', 'openai-eu'] }],
      models: [{ name: 'gpt-4o-mini', ownedBy: 'openai' }],
    });
  });

  it('/debug/status shows the generation id, modules and streams in flight', async () => {
    expect((await get('/debug/status')).body).toEqual({ generation: 3, modules: { router: './premium.js' }, inFlightStreams: 2 });
  });

  it('/debug/decisions lists the recent decisions', async () => {
    expect((await get('/debug/decisions')).body).toEqual({
      decisions: [{ model: 'gpt-4o-mini', rule: 'openai', outcome: 'routed', latencyMs: 0.2, at: '2025-06-01T12:00:01.000Z' }],
    });
  });

  it('answer sensibly before a config is loaded', async () => {
    current = undefined;
    try {
      expect((await get('/debug/config')).body).toEqual({});
      expect((await get('/debug/rules')).body).toEqual({ rules: [], models: [] });
      expect((await get('/debug/status')).body).toEqual({ modules: {}, inFlightStreams: 2 });
    } finally {
      current = generation;
    }
  });
});
