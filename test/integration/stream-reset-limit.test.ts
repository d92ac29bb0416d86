/**
 * Envoy's ext_proc filter ends every stream with a RST_STREAM (half-close, then reset) unless
 * its graceful-close runtime guard is on, and one Envoy sends all its ext_proc streams over a
 * few HTTP/2 connections. HTTP/2 servers on nghttp2 limit the resets a connection may send
 * (Node's default: a burst of 1,000, then 33 a second) and past that tear the whole connection
 * down with GOAWAY(INTERNAL_ERROR), failing every request in flight on it. The service's limit
 * (`grpc.streamResetBurst`, `grpc.streamResetsPerSecond`) must let such traffic through, and
 * must be the one the listener applies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sampleSum } from '../support/prometheus.js';
import { bodyMessage, chatHeaders, connect, headersMessage, RawStream } from '../support/raw-stream.js';
import { startService, type TestService } from '../support/service.js';
import type { ExtProcClient } from '../harness/ext-proc-client.js';

const RULES = `
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
`;

const BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

let svc: TestService | undefined;
afterEach(async () => {
  await svc?.stop();
  svc = undefined;
});

/**
 * Runs `count` streams on `client`, `concurrency` at a time, each ended as Envoy ends them: the
 * request headers, their reply, then half-close and reset. Resolves with how many of them failed
 * before their reply (the connection gone).
 */
async function envoyStyleStreams(client: ExtProcClient, count: number, concurrency = 16): Promise<number> {
  let started = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started++;
      const stream = new RawStream(client);
      try {
        await stream.roundTrip(headersMessage(chatHeaders()));
      } catch {
        failed++;
      }
      stream.closeAndReset();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failed;
}

/** Opens a stream and takes it to the request body phase: a request in flight. */
async function requestInFlight(client: ExtProcClient): Promise<RawStream> {
  const stream = new RawStream(client);
  await stream.roundTrip(headersMessage(chatHeaders()));
  return stream;
}

describe('stream resets on the ext_proc connection', () => {
  it('thousands of streams ended with a reset leave the connection up: the request in flight on it completes', async () => {
    svc = await startService({ yaml: RULES });
    const client = connect(svc.target);
    try {
      const held = await requestInFlight(client);
      // 2,500 resets: past Node's default burst of 1,000 unless they took over 45 s.
      const failed = await envoyStyleStreams(client, 2_500);
      const reply = await held.roundTrip(bodyMessage(BODY, true));
      expect(reply.requestBody).toBeDefined();
      expect((await held.close()).status.code).toBe(0);
      expect(failed).toBe(0);
      // Every reset reached the service as a cancel, and every stream ended inside it.
      await expect.poll(async () => sampleSum(await svc!.metricsText(), 'llm_extproc_streams_total', { outcome: 'cancelled' }), { timeout: 10_000 }).toBe(2_500);
      await expect.poll(() => svc!.server.inFlight, { timeout: 10_000 }).toBe(0);
    } finally {
      client.close();
    }
  }, 90_000);

  it('applies the configured limit: past it the connection is closed with GOAWAY(INTERNAL_ERROR)', async () => {
    svc = await startService({ yaml: `${RULES}grpc: { streamResetBurst: 20, streamResetsPerSecond: 1 }\n` });
    const client = connect(svc.target);
    try {
      const held = await requestInFlight(client);
      await envoyStyleStreams(client, 200, 4);
      const end = await held.close();
      expect(end.status.code).not.toBe(0);
      expect(end.status.details).toMatch(/Session closed with error code 2/);
    } finally {
      client.close();
    }
  }, 60_000);
});
