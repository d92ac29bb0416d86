/**
 * A Gemini / Vertex AI request whose URL asks for a stream (`generateContent?alt=sse`) is a
 * streaming request from its URL on: the router sees `stream: true`, and the request log and the
 * metrics (time to first token, `gen_ai.request.stream` on every GenAI record) record a stream,
 * through the Envoy-protocol harness.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../harness/harness.js';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream.js';
import { histogramCount } from '../support/prometheus.js';
import { providerFixture } from '../support/provider-fixtures.js';
import { startService, type TestService } from '../support/service.js';

// Sends streaming requests to their own rule, so the route shows the router's stream fact.
const ROUTER = `export default function createRouter(defaultRouter) {
  return { calculate: (headers, request) => (request?.stream ? 'gemini-stream' : defaultRouter.calculate(headers, request)) };
}
`;

const CONFIG = `
router: { module: ./stream-router.mjs }
rules:
  - name: gemini
    headers: [{ name: x-ai-eg-model, prefix: "gemini-" }]
  - name: gemini-stream
    headers: [{ name: x-never, exact: "1" }]
`;

let dir: string;
let svc: TestService;
let upstream: MockUpstream;
let harness: Harness;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'url-stream-'));
  await writeFile(join(dir, 'stream-router.mjs'), ROUTER);
  await writeFile(join(dir, 'config.yaml'), CONFIG);
  svc = await startService({ loaded: await loadConfigFile(join(dir, 'config.yaml')), cwd: dir });
  upstream = await startMockUpstream({
    handler: (req, res) => {
      if (req.path.includes('alt=sse')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        return void res.end(providerFixture('gemini-stream.sse.txt'));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(providerFixture('gemini-generate-content.json'));
    },
  });
  harness = await startHarness({
    processorAddress: svc.target,
    mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
    allowModeOverride: true,
    // One upstream behind both rules: the exchange names the rule the request was routed by.
    routes: ['gemini', 'gemini-stream'].map((r) => ({ header: 'x-ai-eg-selected-route', value: r, upstream: r })),
    upstreams: { gemini: upstream, 'gemini-stream': upstream },
  });
});

afterAll(async () => {
  await harness?.close();
  await upstream?.close();
  await svc?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const finished = (path: string) => svc.logs.filter((l) => l['msg'] === 'request finished' && typeof l['path'] === 'string' && path.startsWith(l['path']));
const ttftCount = async (model: string) => histogramCount(await svc.metricsText(), 'gen_ai_server_time_to_first_token_seconds', { gen_ai_request_model: model });
/** Requests of `model` recorded by the duration histogram with `gen_ai.request.stream` = `stream`. */
const durationCount = async (model: string, stream: boolean) =>
  histogramCount(await svc.metricsText(), 'gen_ai_server_request_duration_seconds', { gen_ai_request_model: model, gen_ai_request_stream: String(stream) });

async function post(path: string): Promise<Response> {
  return fetch(`${harness.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
  });
}

describe('stream decided by the URL', () => {
  it.each([
    ['/v1beta/models/gemini-2.0-flash:generateContent?alt=sse', 'gemini-2.0-flash'],
    ['/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent?alt=sse', 'gemini-2.5-pro'],
  ])('%s streams: router, request log and metrics say so', async (path, model) => {
    const before = await ttftCount(model);
    const streamedBefore = await durationCount(model, true);
    const res = await post(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    await res.text();
    await harness.settled();
    expect(harness.lastExchange()?.route).toBe('gemini-stream');
    const line = finished(path).at(-1);
    expect(line).toMatchObject({ model, stream: true, rule: 'gemini-stream', status: 200 });
    expect(typeof line?.['ttft_ms']).toBe('number');
    expect((await ttftCount(model)) - before).toBe(1);
    expect((await durationCount(model, true)) - streamedBefore).toBe(1);
    expect(await durationCount(model, false)).toBe(0);
  });

  it('generateContent without alt=sse stays a non-streaming request', async () => {
    const path = '/v1beta/models/gemini-2.0-flash-lite:generateContent';
    const res = await post(path);
    expect(res.status).toBe(200);
    await res.json();
    await harness.settled();
    expect(harness.lastExchange()?.route).toBe('gemini');
    const line = finished(path).at(-1);
    expect(line).toMatchObject({ model: 'gemini-2.0-flash-lite', stream: false, rule: 'gemini' });
    expect(line).not.toHaveProperty('ttft_ms');
    expect(await durationCount('gemini-2.0-flash-lite', false)).toBe(1);
    expect(await durationCount('gemini-2.0-flash-lite', true)).toBe(0);
  });
});
