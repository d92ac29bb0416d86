/**
 * The response side alone, on a fake generation and fake hooks: streaming switch, usage and
 * price at the end, hook header changes merged, body chunks handed to observing hooks, and one
 * completion whatever ends the response.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { openAiChatCompletions } from '../apis/openai-chat-completions.js';
import { configSchema } from '../config/schema.js';
import type { Hook } from '../hooks/hook.js';
import type { PhaseMessage } from '../hooks/phase.js';
import type { RequestMetrics } from '../metrics/request-metrics.js';
import { fakeHookRequest } from '../testing/hook-contract.js';
import type { Generation } from './generation.js';
import { HookRun } from './hook-run.js';
import { ResponseSide } from './response-side.js';

const logger = pino({ level: 'silent' });

function side(hooks: Hook[], opts: { stream?: boolean; priced?: boolean } = {}) {
  const completions: Array<Record<string, unknown>> = [];
  const usage: unknown[] = [];
  /** Providers named by the response, and the provider each price lookup used. */
  const named: string[] = [];
  const pricedAs: string[] = [];
  const latencies: Array<boolean | undefined> = [];
  const metrics = {
    startRequest() {},
    setModel() {},
    setBackend() {},
    recordTokenUsage: (u: unknown) => void usage.push(u),
    recordRequestCompletion() {},
    recordTokenLatency: (_n: number, a?: { endOfStream?: boolean }) => void latencies.push(a?.endOfStream),
  } as RequestMetrics;
  const generation = {
    config: configSchema.parse({}),
    backendOfRule: new Map([['openai', 'openai']]),
    costs: () => ({ values: {}, errors: [] }),
    ...(opts.priced
      ? {
          pricing: {
            cost: (q: { provider: string; model: string; usage: { total?: number } }) => {
              pricedAs.push(q.provider);
              return q.model === 'gpt-4o-sent' ? (q.usage.total ?? 0) / 1000 : null;
            },
          },
        }
      : {}),
  } as unknown as Generation;
  const run = new HookRun(hooks, logger);
  void run.run({ ...fakeHookRequest() });
  const s = new ResponseSide({
    observe: true,
    api: openAiChatCompletions,
    stream: opts.stream ?? false,
    stripUsageChunk: false,
    metrics,
    generation,
    hooks: run,
    identity: () => ({ model: 'gpt-4o', sentModel: 'gpt-4o-sent', rule: 'openai', ...(named.length > 0 ? { provider: named.at(-1) } : {}) }),
    servedProvider: (p) => void named.push(p),
    logger,
    complete: (o) => void completions.push(o),
  });
  return { s, completions, usage, named, pricedAs, latencies };
}

const headers = (h: Record<string, string>, endOfStream = false): PhaseMessage => ({ phase: 'responseHeaders', headers: h, endOfStream, observabilityMode: false });
const body = (text: string, endOfStream: boolean): PhaseMessage => ({ phase: 'responseBody', body: Buffer.from(text), endOfStream, observabilityMode: false });

describe('the response side', () => {
  it('starts time to first token at the first chunk that carries bytes, not at one a translation emptied', async () => {
    const { s, completions, latencies } = side([], { stream: true });
    await s.onHeaders(headers({ ':status': '200', 'content-type': 'text/event-stream' }), 'BUFFERED');
    await s.onBody(body('', false));
    expect(latencies).toEqual([]);
    await s.onBody(body('data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n', false));
    expect(latencies).toEqual([false]);
    await s.onBody(body('data: [DONE]\n\n', true));
    expect(latencies).toEqual([false, true]);
    expect(completions[0]!['ttftMs']).toBeGreaterThanOrEqual(0);
  });

  it('takes the provider a translated attempt named, hides its header from the client, and prices under it', async () => {
    const { s, named, pricedAs } = side([], { priced: true });
    const r = await s.onHeaders(headers({ ':status': '200', 'content-type': 'application/json', 'x-llm-extproc-provider': 'anthropic' }), 'BUFFERED');
    expect(r).toMatchObject({ headers: { remove: ['x-llm-extproc-provider'] } });
    expect(named).toEqual(['anthropic']);
    await s.onBody(body(JSON.stringify({ model: 'x', usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }), true));
    expect(pricedAs).toEqual(['anthropic']);
  });

  it('switches a 2xx SSE response to STREAMED without content-length, merging the hooks’ header changes', async () => {
    const { s } = side([{ name: 'h', onResponseHeaders: () => ({ set: [['x-cache', 'miss']], remove: ['content-length'] }) }], { stream: true });
    const r = await s.onHeaders(headers({ ':status': '200', 'content-type': 'text/event-stream', 'content-length': '10' }), 'BUFFERED');
    expect(r).toEqual({ kind: 'continue', phase: 'responseHeaders', headers: { set: [['x-cache', 'miss']], remove: ['content-length'] }, responseBodyMode: 'STREAMED' });
  });

  it('reads usage, prices the model sent when the provider names none, and completes once', async () => {
    const chunks: string[] = [];
    const { s, completions, usage } = side([{ name: 'o', onRequest: () => ({ context: 1 }), onResponseBody: (c, end) => void chunks.push(`${c.length}:${end}`) }], { priced: true });
    await s.onHeaders(headers({ ':status': '200', 'content-type': 'application/json' }), 'BUFFERED');
    const first = '{"id":"x","choices":[],"usage":{"prompt_tokens":';
    const rest = '600,"completion_tokens":400,"total_tokens":1000}}';
    await s.onBody(body(first, false));
    const last = await s.onBody(body(rest, true));
    expect(last).toMatchObject({ kind: 'continue', phase: 'responseBody', dynamicMetadata: { 'io.envoy.ai_gateway': expect.objectContaining({ total_tokens: 1000, cost_usd: 1, request_model: 'gpt-4o' }) } });
    expect(usage).toEqual([{ input: 600, output: 400, total: 1000 }]);
    expect(completions).toEqual([expect.objectContaining({ status: 200, costUsd: 1 })]);
    expect(chunks).toEqual([`${first.length}:false`, `${rest.length}:true`]);
    s.finish('completed');
    await s.onBody(body('{"late":1}', true)); // data after end_of_stream is ignored
    expect(completions).toHaveLength(1);
  });

  it('records a response cut short once, as incomplete', async () => {
    const { s, completions } = side([]);
    await s.onHeaders(headers({ ':status': '200', 'content-type': 'application/json' }), 'BUFFERED');
    await s.onBody(body('{"id":', false));
    s.finish('completed');
    s.finish('cancelled');
    expect(completions).toEqual([{ status: 200, errorType: 'incomplete_response' }]);
  });
});
