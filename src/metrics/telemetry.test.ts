import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createTelemetry, type Telemetry } from './telemetry.js';
import { createGenAiMetrics } from './genai-metrics.js';
import { isolateMetrics } from './isolated-metrics.js';
import type { RequestMetricsFactory } from './request-metrics.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(handler: (req: IncomingMessage, res: import('node:http').ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function telemetry(t: Telemetry): Telemetry {
  cleanups.push(() => t.shutdown());
  return t;
}

describe('createTelemetry', () => {
  it('serves histograms and counters in Prometheus text on our own server', async () => {
    const t = telemetry(createTelemetry({ serviceName: 'llm-extproc-test' }));
    const logger = pino({ level: 'silent' });
    const metrics = createGenAiMetrics(t.meter(), { requestHeaderAttributes: {}, maxAttributeValues: 10, logger, now: (() => {
      let n = 0;
      return () => (n += 0.05);
    })() });
    const m = metrics.newRequest();
    m.startRequest({}, { api: 'openai.chat_completions', operation: 'chat', provider: 'openai' });
    m.setModel('gpt-4o');
    m.recordRequestCompletion(true);
    const broken: RequestMetricsFactory = { newRequest: () => { throw new Error('x'); } };
    isolateMetrics(broken, { meter: t.meter(), logger }).newRequest();

    const { url } = await listen((req, res) => t.handleMetricsRequest(req, res));
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('# TYPE gen_ai_server_request_duration_seconds histogram');
    const bucket = (le: string): RegExp => new RegExp(`^gen_ai_server_request_duration_seconds_bucket\\{[^}]*gen_ai_request_model="gpt-4o"[^}]*le="${le.replace('+', '\\+')}"\\} (\\d+)`, 'm');
    expect(text).toMatch(bucket('0.01'));
    expect(text.match(bucket('0.04'))![1]).toBe('0');
    expect(text.match(bucket('0.08'))![1]).toBe('1');
    expect(text.match(bucket('81.92'))![1]).toBe('1');
    expect(text.match(bucket('+Inf'))![1]).toBe('1');
    expect(text).toMatch(/^gen_ai_server_request_duration_seconds_count\{[^}]*\} 1$/m);
    expect(text).toMatch(/^llm_extproc_hook_errors_total\{[^}]*hook="newRequest"[^}]*\} 1$/m);
    expect(text).toMatch(/^target_info\{[^}]*service_name="llm-extproc-test"/m);
    expect(t.otlpEnabled).toBe(false);
  });

  it('pushes OTLP over HTTP when enabled and flushes on shutdown', async () => {
    const received = new Promise<{ path: string; type: string; bytes: number }>((resolve) => {
      void listen((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
          resolve({ path: req.url ?? '', type: String(req.headers['content-type']), bytes: Buffer.concat(chunks).length });
        });
      }).then(({ url }) => {
        const t = createTelemetry({ serviceName: 'svc', otlp: { enabled: true, url: `${url}/v1/metrics`, intervalMs: 3_600_000 } });
        expect(t.otlpEnabled).toBe(true);
        t.meter().createCounter('llm_extproc.test.pushed').add(3);
        void t.shutdown();
      });
    });
    const req = await received;
    expect(req.path).toBe('/v1/metrics');
    expect(req.bytes).toBeGreaterThan(0);
  });

  it('shuts down idempotently', async () => {
    const t = createTelemetry({ serviceName: 'svc' });
    await t.shutdown();
    await expect(t.shutdown()).resolves.toBeUndefined();
  });
});
