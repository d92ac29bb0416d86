/**
 * Streams reset on arrival: the client's RST_STREAM comes in the same TCP write as the stream's
 * HEADERS and first message(s) (or, for a message larger than the flow-control windows, as its
 * last bytes). Every such stream must still end inside the service — its processor finished,
 * `llm_extproc.streams.active` back to 0 — whatever phase the reset lands in, including while
 * the service is writing a long run of replies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyMessage, chatHeaders, headersMessage } from '../support/raw-stream.js';
import { RawH2Connection } from '../support/raw-h2.js';
import { startService, type TestService } from '../support/service.js';

const CONFIG = `
limits: { maxBodyBytes: 4000000 }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
`;

let svc: TestService;

beforeAll(async () => {
  svc = await startService({ yaml: CONFIG });
});
afterAll(async () => {
  await svc?.stop();
});

const chat = (bytes: number) => JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(bytes) }] });
const FULL_DUPLEX = { requestBodyMode: 'FULL_DUPLEX_STREAMED', responseBodyMode: 'NONE' };

function activeGauge(metrics: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith('llm_extproc_streams_active'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('streams reset in the same write as their first messages', () => {
  it.each([
    ['headers only', 100, [headersMessage(chatHeaders())]],
    ['headers and a 64 KB body', 100, [headersMessage(chatHeaders()), bodyMessage(chat(64 * 1024), true)]],
    ['headers and part of a body', 100, [headersMessage(chatHeaders()), bodyMessage(chat(64 * 1024).slice(0, 1000), false)]],
    // 1.2 MB re-emitted as ~20 streamed_response chunks: more replies than the call buffers.
    ['a full-duplex body re-emitted in many chunks', 20, [headersMessage(chatHeaders(), { protocol: FULL_DUPLEX }), bodyMessage(chat(1_200_000), true)]],
  ] as const)('%s: every processor finishes and the active gauge returns to 0', async (_name, perConnection, messages) => {
    const conns = await Promise.all(Array.from({ length: 4 }, () => RawH2Connection.open(svc.target)));
    try {
      await Promise.all(conns.map((c) => c.openAndReset(perConnection, messages)));
      await expect.poll(() => svc.server.inFlight, { timeout: 10_000 }).toBe(0);
      expect(activeGauge(await svc.metricsText())).toBe(0);
    } finally {
      for (const c of conns) c.close();
    }
  });
});
