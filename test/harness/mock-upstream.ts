/**
 * An in-process upstream for integration tests: records every request it receives and answers
 * either from the recorded OpenAI cassettes or with a handler given by the test.
 *
 * Cassette matching: method + path + JSON-equal request body first, then method + path + the
 * same `model` (preferring the same `stream` flag). Recorded headers are replayed without hop-by-hop ones (and without
 * content-length / content-encoding, which the replayed body decides); SSE bodies are written in
 * several chunks, each flushed before the next.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { listCassettes, loadCassette, type Interaction } from '../support/cassettes.js';
import { HOP_BY_HOP } from './headers.js';

/** A request as the upstream received it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path with query. */
  readonly path: string;
  /** Lower-case header names; repeated headers joined as Node joins them. */
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A test's own answer to a request. */
export type UpstreamHandler = (request: RecordedRequest, res: http.ServerResponse) => void | Promise<void>;

/** Mock upstream settings. */
export interface MockUpstreamOptions {
  /** Cassette names to answer from (default: all of them). Ignored when `handler` is given. */
  readonly cassettes?: readonly string[];
  /** Answers every request instead of the cassettes. */
  readonly handler?: UpstreamHandler;
  /** How many chunks an SSE body is written in (default 4). */
  readonly sseChunks?: number;
}

/** A running mock upstream. */
export interface MockUpstream {
  /** Base URL, e.g. `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: readonly RecordedRequest[];
  /** Requests no cassette matched (answered 404). */
  readonly unmatched: readonly RecordedRequest[];
  /** Closes the server and its connections. */
  close(): Promise<void>;
}

/** Starts a mock upstream on 127.0.0.1, port 0. */
export async function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const requests: RecordedRequest[] = [];
  const unmatched: RecordedRequest[] = [];
  const interactions = options.handler
    ? []
    : (options.cassettes ?? listCassettes()).flatMap((name) => loadCassette(name).interactions);
  const server = http.createServer((req, res) => {
    void (async () => {
      const parts: Buffer[] = [];
      for await (const chunk of req) parts.push(chunk as Buffer);
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(parts),
      };
      requests.push(recorded);
      if (options.handler) {
        await options.handler(recorded, res);
        return;
      }
      const match = findInteraction(interactions, recorded);
      if (!match) {
        unmatched.push(recorded);
        const message = `mock upstream: no recorded interaction for ${recorded.method} ${recorded.path}`;
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message, type: 'invalid_request_error' } }));
        return;
      }
      await replay(match, res, options.sseChunks ?? 4);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`mock upstream error: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    unmatched,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The interaction answering a request: exact (method, path, JSON body), else same model. */
export function findInteraction(
  interactions: readonly Interaction[],
  request: RecordedRequest,
): Interaction | undefined {
  const candidates = interactions.filter(
    (i) => i.request.method.toUpperCase() === request.method.toUpperCase() && pathOf(i.request.url) === request.path,
  );
  const body = parseJson(request.body.toString('utf8'));
  const exact = candidates.find((i) => {
    const recorded = parseJson(i.request.body);
    return recorded.ok && body.ok ? isDeepStrictEqual(recorded.value, body.value) : i.request.body === request.body.toString('utf8');
  });
  if (exact) return exact;
  const model = modelOf(body);
  if (model === undefined) return undefined;
  // A processor may rewrite the body (e.g. add stream_options): same model, and the same
  // stream flag when one is recorded that way, so a streaming client still gets SSE.
  const sameModel = candidates.filter((i) => modelOf(parseJson(i.request.body)) === model);
  const stream = streamOf(body);
  return sameModel.find((i) => streamOf(parseJson(i.request.body)) === stream) ?? sameModel[0];
}

async function replay(interaction: Interaction, res: http.ServerResponse, sseChunks: number): Promise<void> {
  const { status: code, headers, body } = interaction.response;
  const out: Record<string, string[]> = {};
  let sse = false;
  for (const [name, values] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower === 'content-length' || lower === 'content-encoding') continue;
    if (lower === 'content-type' && values.some((v) => v.startsWith('text/event-stream'))) sse = true;
    out[lower] = [...values];
  }
  const bytes = Buffer.from(body, 'utf8');
  if (!sse) {
    out['content-length'] = [String(bytes.length)];
    res.writeHead(code, out);
    res.end(bytes);
    return;
  }
  res.writeHead(code, out);
  res.flushHeaders();
  for (const chunk of splitEvents(body, sseChunks)) {
    // Flush each chunk and give the event loop a turn, so readers see separate chunks.
    await new Promise<void>((resolve) => res.write(chunk, () => resolve()));
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
  res.end();
}

/** Splits an SSE body at event boundaries into about `count` chunks (each whole events). */
export function splitEvents(body: string, count: number): string[] {
  const events = body.split(/(?<=\n\n)/);
  const per = Math.max(1, Math.ceil(events.length / Math.max(1, count)));
  const chunks: string[] = [];
  for (let i = 0; i < events.length; i += per) chunks.push(events.slice(i, i + per).join(''));
  return chunks;
}

function pathOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  } catch {
    return url;
  }
}

type Parsed = { ok: true; value: unknown } | { ok: false };

function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function streamOf(parsed: Parsed): boolean {
  return parsed.ok && !!parsed.value && typeof parsed.value === 'object' && (parsed.value as { stream?: unknown }).stream === true;
}

function modelOf(parsed: Parsed): string | undefined {
  if (!parsed.ok || !parsed.value || typeof parsed.value !== 'object') return undefined;
  const model = (parsed.value as { model?: unknown }).model;
  return typeof model === 'string' ? model : undefined;
}
