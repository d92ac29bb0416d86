/**
 * Small helpers shared by the harness tests: an upstream that says who it is, a JSON POST
 * through the harness that returns the response with its exchange record, a chat body, and a
 * harness that routes on a header between two such upstreams.
 */
import type { ServerResponse } from 'node:http';
import { startFakeProcessor, type FakeProcessor, type FakeProcessorOptions } from './fake-processor.js';
import { startHarness, type Exchange, type Harness, type HarnessMode } from './harness.js';
import { rawRequest, type RawResponse } from './http-request.js';
import { startMockUpstream, type MockUpstream, type RecordedRequest } from './mock-upstream.js';

/** Upstream that answers who it is, and the model it received. */
export function echoUpstream(name: string): (req: RecordedRequest, res: ServerResponse) => void {
  return (req, res) => {
    let model: unknown;
    try {
      model = (JSON.parse(req.body.toString('utf8')) as { model?: unknown }).model;
    } catch {
      model = null;
    }
    const body = JSON.stringify({ upstream: name, model: model ?? null });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  };
}

/** POSTs JSON to the harness's chat path and waits for the exchange to finish. */
export async function post(
  harness: Harness,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ res: RawResponse; exchange: Exchange }> {
  const text = JSON.stringify(body);
  const res = await rawRequest(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers },
    chunks: [text],
  });
  const exchange = harness.exchange(String(res.headers['x-harness-id']));
  if (!exchange) throw new Error('no exchange recorded');
  await exchange.finished;
  return { res, exchange };
}

/** A minimal chat request body. */
export function chat(model: string): { model: string; messages: Array<{ role: string; content: string }> } {
  return { model, messages: [{ role: 'user', content: 'hi' }] };
}

/** A fake processor, echo upstreams `a` and `b`, and the harness in front of them. */
export interface TwoUpstreams {
  readonly fake: FakeProcessor;
  readonly upA: MockUpstream;
  readonly upB: MockUpstream;
  readonly harness: Harness;
  /** Closes the harness, then the processor and the upstreams. */
  close(): Promise<void>;
}

/**
 * Starts a fake processor with `fakeOptions` and a harness in body mode `mode` whose route table
 * sends `x-route: model-b` to upstream `b` and everything else to upstream `a`.
 */
export async function startTwoUpstreams(fakeOptions: FakeProcessorOptions, mode: HarnessMode): Promise<TwoUpstreams> {
  const fake = await startFakeProcessor(fakeOptions);
  const upA = await startMockUpstream({ handler: echoUpstream('a') });
  const upB = await startMockUpstream({ handler: echoUpstream('b') });
  const harness = await startHarness({
    processorAddress: fake.address,
    mode,
    routes: [{ header: 'x-route', value: 'model-b', upstream: 'b' }],
    defaultUpstream: 'a',
    upstreams: { a: upA, b: upB },
  });
  return {
    fake,
    upA,
    upB,
    harness,
    close: async () => {
      await harness.close();
      await Promise.all([fake.close(), upA.close(), upB.close()]);
    },
  };
}
