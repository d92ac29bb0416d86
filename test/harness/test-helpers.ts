/**
 * Small helpers shared by the harness tests: an upstream that says who it is, a JSON POST
 * through the harness that returns the response with its exchange record, a chat body.
 */
import type { ServerResponse } from 'node:http';
import type { Exchange, Harness } from './harness.js';
import { rawRequest, type RawResponse } from './http-request.js';
import type { RecordedRequest } from './mock-upstream.js';

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
