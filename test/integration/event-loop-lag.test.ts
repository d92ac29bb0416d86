/**
 * A user router that holds the event loop for 2 s per request stalls every request of the
 * process: the service must then report itself unready — `/readyz` 503 and gRPC health
 * NOT_SERVING — with the lag visible as `llm_extproc.event_loop.lag`, and ready again once the
 * loop runs freely.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { loadServiceDefinitions } from '../../src/envoy/protos.js';
import { sampleSum } from '../support/prometheus.js';
import { bodyMessage, chatHeaders, connect, headersMessage, RawStream } from '../support/raw-stream.js';
import { startService, type TestService } from '../support/service.js';

// Holds the loop (a synchronous busy wait) for requests to the model `gpt-hold`.
const HOLDING_ROUTER = `
export default function holdingRouter(defaultRouter) {
  return {
    calculate(headers, request) {
      if (headers['x-ai-eg-model'] === 'gpt-hold') {
        const until = Date.now() + 2000;
        while (Date.now() < until) {}
      }
      return defaultRouter.calculate(headers, request);
    },
  };
}
`;

interface HealthClient extends grpc.Client {
  Check(req: { service: string }, cb: (err: grpc.ServiceError | null, res?: { status: string }) => void): void;
}

let dir: string;
let svc: TestService;
let health: HealthClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loop-lag-'));
  await writeFile(join(dir, 'holding-router.mjs'), HOLDING_ROUTER);
  const loaded = parseConfig(
    `
router: { module: ./holding-router.mjs, timeoutMs: 5000 }
readiness: { maxEventLoopLagMs: 1000 }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
`,
    join(dir, 'config.yaml'),
  );
  svc = await startService({ loaded, cwd: dir });
  const Client = grpc.makeClientConstructor(loadServiceDefinitions().health, 'Health') as unknown as new (a: string, c: grpc.ChannelCredentials) => HealthClient;
  health = new Client(svc.target, grpc.credentials.createInsecure());
});

afterAll(async () => {
  health?.close();
  await svc?.stop();
  await rm(dir, { recursive: true, force: true });
});

const healthStatus = (): Promise<string> =>
  new Promise((resolve, reject) => health.Check({ service: '' }, (err, res) => (err ? reject(err) : resolve(res!.status))));

/** The largest `llm_extproc.event_loop.lag` any scrape has shown. */
let largestLagSeen = 0;

async function readiness(): Promise<{ ready: number; grpc: string }> {
  const ready = (await fetch(`${svc.adminUrl}/readyz`)).status;
  const grpcStatus = await healthStatus();
  largestLagSeen = Math.max(largestLagSeen, sampleSum(await svc.metricsText(), 'llm_extproc_event_loop_lag_seconds'));
  return { ready, grpc: grpcStatus };
}

async function send(client: ReturnType<typeof connect>, model: string): Promise<void> {
  const s = new RawStream(client);
  await s.roundTrip(headersMessage(chatHeaders()));
  await s.roundTrip(bodyMessage(JSON.stringify({ model, messages: [] }), true));
  await s.close();
}

describe('a router that holds the event loop', () => {
  it('makes the service unready while it holds it, and ready again after', { timeout: 90_000 }, async () => {
    expect(await readiness()).toMatchObject({ ready: 200, grpc: 'SERVING' });
    const client = connect(svc.target);
    let holding = true;
    // Traffic to the holding model: every request holds the loop for 2 s.
    const traffic = (async () => {
      while (holding) await send(client, 'gpt-hold');
    })();
    try {
      await expect.poll(readiness, { timeout: 20_000, interval: 100 }).toEqual({ ready: 503, grpc: 'NOT_SERVING' });
      // The gauge is scraped at its own moments: poll while the loop keeps being held.
      await expect.poll(async () => (await readiness(), largestLagSeen), { timeout: 20_000, interval: 100 }).toBeGreaterThan(1);
    } finally {
      holding = false;
      await traffic;
    }
    // The loop runs freely again: ready, and ordinary requests route.
    await expect.poll(readiness, { timeout: 10_000, interval: 100 }).toEqual({ ready: 200, grpc: 'SERVING' });
    await send(client, 'gpt-4o-mini');
    client.close();
    expect(svc.logText()).toContain('event loop lag above readiness.maxEventLoopLagMs');
  });
});
