/**
 * The Envoy-protocol harness for integration tests: an HTTP/1.1 front that behaves like Envoy's
 * HTTP connection manager with an `envoy.filters.http.ext_proc` filter before the router, for
 * one configured processing mode, talking to any ext_proc gRPC server at an address.
 *
 * Per HTTP request it opens one `Process` stream, sends the phases as Envoy does, applies every
 * reply as Envoy does (header mutations, body mutations, clear_route_cache, immediate
 * responses, mode_override), routes on the resulting headers to a named upstream, and records
 * the whole exchange. Protocol violations are collected in `harness.violations`.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseContentLength } from './body-chunks.js';
import { ClientWriter } from './client-writer.js';
import { runDirection } from './direction.js';
import { Exchange, type Violation } from './exchange.js';
import { createExtProcClient, type ExtProcClient } from './ext-proc-client.js';
import { applyHeaderMutation, fromRawHeaders, getHeader, hasHeader, HOP_BY_HOP, setHeader } from './headers.js';
import { ImmediateResponseSignal, LocalReply, ProcessorSession } from './processor-session.js';
import { findRoute, matchRoute, type Route } from './routes.js';
import { playAttempts } from './upstream-attempts.js';
import { sendUpstream, syntheticResponse, type UpstreamResponse } from './upstream-client.js';
import type { BodySendMode, HeaderList, HeaderSendMode, InboundReply } from './wire.js';

/** Re-exported for tests: the route and record types of the harness API. */
export type { Route } from './routes.js';
export type { Exchange, Violation, UpstreamRequestRecord } from './exchange.js';

/** The ext_proc filter's processing mode (unset header modes: SEND; unset trailer modes: SKIP). */
export interface HarnessMode {
  readonly requestHeader?: HeaderSendMode;
  readonly requestBody: BodySendMode;
  readonly responseHeader?: HeaderSendMode;
  readonly responseBody: BodySendMode;
  readonly requestTrailer?: HeaderSendMode;
  readonly responseTrailer?: HeaderSendMode;
}

/** Harness settings: the ext_proc filter config plus the route table and upstreams. */
export interface HarnessOptions {
  /** The processor under test: `host:port` or `unix:/path`. */
  readonly processorAddress: string;
  readonly mode: HarnessMode;
  /** Envoy's `observability_mode`: send every phase, expect no replies, never wait. */
  readonly observabilityMode?: boolean;
  /** Envoy's `allow_mode_override` (default false). */
  readonly allowModeOverride?: boolean;
  /** Envoy's `failure_mode_allow` (default false: processor failures become 500). */
  readonly failureModeAllow?: boolean;
  /** Envoy's `mutation_rules.allow_envoy` (default false: x-envoy-* headers cannot change). */
  readonly allowEnvoyHeaders?: boolean;
  /** Buffer limit for BUFFERED / BUFFERED_PARTIAL bodies (default 1 MiB, Envoy's default). */
  readonly bufferLimitBytes?: number;
  /** Envoy's `message_timeout` for each reply (default 5000 ms, generous for tests). */
  readonly messageTimeoutMs?: number;
  /** Routes, matched in order on the (mutated) request headers. */
  readonly routes: readonly Route[];
  /** Upstream for requests no route matches; without it they get 404 `{"error":"no route"}`. */
  readonly defaultUpstream?: string;
  /** Named upstreams (a MockUpstream, or any `{ url }`). */
  readonly upstreams: Readonly<Record<string, { readonly url: string }>>;
  /**
   * Attributes Envoy sends with the first message of each stream (`request_attributes`): a
   * harness standing for an upstream-level filter sends `{ 'xds.cluster_name': cluster }`.
   */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** A running harness. */
export interface Harness {
  /** Base URL of the HTTP front (e.g. `baseURL: harness.url + '/v1'` for SDK clients). */
  readonly url: string;
  /** Every exchange, in arrival order. */
  readonly exchanges: readonly Exchange[];
  /** Every protocol violation seen, tagged with its exchange id. */
  readonly violations: readonly Violation[];
  /** The most recent exchange. */
  lastExchange(): Exchange | undefined;
  /** The (latest) exchange with this id (`x-harness-id` request header, echoed on the response). */
  exchange(id: string): Exchange | undefined;
  /** Resolves when every exchange started so far has finished. */
  settled(): Promise<void>;
  /** Waits for in-flight exchanges, then closes the front, the upstream agent and the gRPC channel. */
  close(): Promise<void>;
}

const DEFAULT_BUFFER_LIMIT = 1024 * 1024;
const DEFAULT_MESSAGE_TIMEOUT_MS = 5000;

/** Starts a harness on 127.0.0.1, port 0. */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  for (const name of [...options.routes.map((r) => r.upstream), options.defaultUpstream]) {
    if (name !== undefined && !options.upstreams[name]) throw new Error(`harness: route to unknown upstream "${name}"`);
  }
  const client = createExtProcClient(options.processorAddress);
  const agent = new http.Agent({ keepAlive: true });
  const exchanges: Exchange[] = [];
  const violations: Violation[] = [];
  let counter = 0;
  const server = http.createServer((req, res) => {
    const header = req.headers['x-harness-id'];
    const id = typeof header === 'string' && header !== '' ? header : `exchange-${++counter}`;
    const exchange = new Exchange(id, req.method ?? 'GET', req.url ?? '/', (v) => violations.push(v));
    exchanges.push(exchange);
    res.setHeader('x-harness-id', id);
    void handleExchange({ options, client, agent }, exchange, req, res)
      .catch((err: unknown) => {
        exchange.violation(`harness internal error: ${err instanceof Error ? err.message : String(err)}`);
        res.destroy();
      })
      .finally(() => exchange.finish());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const settled = async (): Promise<void> => {
    await Promise.all(exchanges.map((e) => e.finished));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    violations,
    lastExchange: () => exchanges[exchanges.length - 1],
    exchange: (id) => exchanges.filter((e) => e.id === id).pop(),
    settled,
    close: async () => {
      await settled();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
      client.close();
    },
  };
}

interface Context {
  readonly options: HarnessOptions;
  readonly client: ExtProcClient;
  readonly agent: http.Agent;
}

interface Modes {
  requestHeader: HeaderSendMode;
  requestBody: BodySendMode;
  requestTrailer: HeaderSendMode;
  responseHeader: HeaderSendMode;
  responseBody: BodySendMode;
  responseTrailer: HeaderSendMode;
}

function configuredModes(mode: HarnessMode): Modes {
  return {
    requestHeader: mode.requestHeader ?? 'SEND',
    requestBody: mode.requestBody,
    requestTrailer: mode.requestTrailer ?? 'SKIP',
    responseHeader: mode.responseHeader ?? 'SEND',
    responseBody: mode.responseBody,
    responseTrailer: mode.responseTrailer ?? 'SKIP',
  };
}

async function handleExchange(
  ctx: Context,
  exchange: Exchange,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const { options, client } = ctx;
  const configured = configuredModes(options.mode);
  const modes: Modes = { ...configured };
  const session = new ProcessorSession({
    open: client.open,
    exchange,
    observability: options.observabilityMode ?? false,
    failureModeAllow: options.failureModeAllow ?? false,
    messageTimeoutMs: options.messageTimeoutMs ?? DEFAULT_MESSAGE_TIMEOUT_MS,
    requestBodyMode: configured.requestBody,
    responseBodyMode: configured.responseBody,
    ...(options.attributes !== undefined ? { attributes: options.attributes } : {}),
  });
  const writer = new ClientWriter(res, exchange);
  const bufferLimit = options.bufferLimitBytes ?? DEFAULT_BUFFER_LIMIT;
  const onHeadersReply = (reply: InboundReply): void => applyModeOverride(reply, modes, options, exchange);
  let upstream: UpstreamResponse | undefined;
  try {
    const headers = requestHeaderList(req);
    let route = matchRoute(options.routes, options.defaultUpstream, headers);
    const parts: Buffer[] = [];
    await runDirection(session, exchange, {
      direction: 'request',
      headers,
      hasBody: hasHeader(headers, 'transfer-encoding') || (parseContentLength(req.headers['content-length']) ?? 0) > 0,
      source: req,
      sourceLength: parseContentLength(req.headers['content-length']),
      sourceTrailers: () => fromRawHeaders(req.rawTrailers),
      modes: () => ({ header: modes.requestHeader, body: modes.requestBody, trailer: modes.requestTrailer }),
      configured: { header: configured.requestHeader, body: configured.requestBody, trailer: configured.requestTrailer },
      bufferLimit,
      onHeadersReply,
      clearRouteCache: () => {
        route = matchRoute(options.routes, options.defaultUpstream, headers);
      },
      headersFinal: () => undefined,
      emit: (chunk) => {
        parts.push(chunk);
      },
      emitTrailers: () => undefined,
      overLimit: () => {
        throw new LocalReply(413, 'request body over the buffer limit', Buffer.from('Payload Too Large'));
      },
      mutationRules: { allowEnvoy: options.allowEnvoyHeaders ?? false },
    });
    exchange.route = route;
    const plan = findRoute(options.routes, headers)?.attempts;
    upstream = plan
      ? await playAttempts(
          { client, agent: ctx.agent, upstreams: options.upstreams, messageTimeoutMs: options.messageTimeoutMs ?? DEFAULT_MESSAGE_TIMEOUT_MS, bufferLimit },
          exchange,
          plan,
          headers,
          Buffer.concat(parts),
          exchange.attempts,
        )
      : await callUpstream(ctx, exchange, route, headers, Buffer.concat(parts));
    exchange.upstreamStatus = upstream.status;
    const responseHeaders: HeaderList = [[':status', String(upstream.status)], ...upstream.headers];
    const status = upstream.status;
    await runDirection(session, exchange, {
      direction: 'response',
      headers: responseHeaders,
      hasBody: !(
        getHeader(headers, ':method') === 'HEAD' ||
        status === 204 ||
        status === 304 ||
        status < 200 ||
        getHeader(upstream.headers, 'content-length') === '0'
      ),
      source: upstream.body,
      sourceLength: parseContentLength(getHeader(upstream.headers, 'content-length')),
      sourceTrailers: upstream.trailers,
      modes: () => ({ header: modes.responseHeader, body: modes.responseBody, trailer: modes.responseTrailer }),
      configured: { header: configured.responseHeader, body: configured.responseBody, trailer: configured.responseTrailer },
      bufferLimit,
      onHeadersReply,
      clearRouteCache: () => undefined,
      headersFinal: () => writer.writeHead(responseHeaders),
      emit: (chunk) => writer.write(chunk),
      emitTrailers: (t) => writer.setTrailers(t),
      overLimit: () => {
        throw new LocalReply(500, 'response body over the buffer limit', Buffer.from('Internal Server Error'));
      },
      mutationRules: { allowEnvoy: options.allowEnvoyHeaders ?? false },
    });
    if (options.observabilityMode) {
      // Envoy does not hold the client for an observability stream; it closes it later.
      writer.end();
      await session.finish();
    } else {
      await session.finish();
      writer.end();
    }
  } catch (err) {
    session.stop();
    upstream?.discard();
    await session.finish();
    answerFailure(ctx, exchange, writer, err);
  }
}

function answerFailure(ctx: Context, exchange: Exchange, writer: ClientWriter, err: unknown): void {
  if (err instanceof ImmediateResponseSignal) {
    const reply = err.response;
    let status = ctx.client.statusCode(reply.status?.code);
    if (status === undefined || status < 200 || status > 599) {
      exchange.violation(`immediate_response with invalid status ${String(reply.status?.code)}`);
      status = 500;
    }
    const headers: HeaderList = [];
    exchange.ignored.push(...applyHeaderMutation(headers, reply.headers).rejected);
    exchange.localReply = `immediate_response ${status}${reply.details ? ` (${reply.details})` : ''}`;
    writer.local(status, headers, Buffer.from(reply.body ?? Buffer.alloc(0)));
    return;
  }
  if (err instanceof LocalReply) {
    exchange.localReply = err.reason;
    writer.local(err.status, [], err.body);
    return;
  }
  exchange.localReply = `harness error: ${err instanceof Error ? err.message : String(err)}`;
  if (writer.headSent) writer.reset();
  else writer.local(500, [], Buffer.alloc(0));
}

/** Envoy's view of an HTTP/1.1 request: pseudo-headers first, host as :authority, no hop-by-hop headers. */
function requestHeaderList(req: http.IncomingMessage): HeaderList {
  const headers: HeaderList = [
    [':authority', req.headers.host ?? 'localhost'],
    [':path', req.url ?? '/'],
    [':method', req.method ?? 'GET'],
    [':scheme', 'http'],
  ];
  for (const [name, value] of fromRawHeaders(req.rawHeaders)) {
    if (name !== 'host' && (name === 'transfer-encoding' || !HOP_BY_HOP.has(name))) headers.push([name, value]);
  }
  if (!hasHeader(headers, 'x-forwarded-proto')) headers.push(['x-forwarded-proto', 'http']);
  if (!hasHeader(headers, 'x-request-id')) headers.push(['x-request-id', randomUUID()]);
  return headers;
}

async function callUpstream(
  ctx: Context,
  exchange: Exchange,
  route: string | null,
  headers: HeaderList,
  body: Buffer,
): Promise<UpstreamResponse> {
  if (route === null) return syntheticResponse(404, 'application/json', '{"error":"no route"}');
  const declared = getHeader(headers, 'content-length');
  if (declared !== undefined && Number(declared) !== body.length) {
    exchange.violation(`request content-length ${declared} but ${body.length} body bytes go upstream`);
    setHeader(headers, 'content-length', String(body.length));
  }
  const sent = headers.filter(([name]) => !name.startsWith(':') && name !== 'transfer-encoding');
  exchange.upstreamRequest = {
    upstream: route,
    method: getHeader(headers, ':method') ?? 'GET',
    path: getHeader(headers, ':path') ?? '/',
    headers: sent,
    body,
  };
  const target = ctx.options.upstreams[route]!;
  try {
    return await sendUpstream(ctx.agent, target.url, headers.filter(([n]) => n !== 'transfer-encoding'), body);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return syntheticResponse(
      503,
      'text/plain',
      `upstream connect error or disconnect/reset before headers. reset reason: ${reason}`,
    );
  }
}

/** Envoy replaces the whole processing mode with a `mode_override` in a headers reply, when allowed. */
function applyModeOverride(reply: InboundReply, modes: Modes, options: HarnessOptions, exchange: Exchange): void {
  const override = reply.modeOverride;
  if (!override) return;
  if (!options.allowModeOverride) {
    exchange.ignored.push('mode_override ignored: allow_mode_override is off');
    return;
  }
  const headerMode = (v: unknown, fallback: HeaderSendMode): HeaderSendMode =>
    v === 'SEND' ? 'SEND' : v === 'SKIP' ? 'SKIP' : fallback;
  const bodyMode = (v: unknown): BodySendMode =>
    v === 'STREAMED' || v === 'BUFFERED' || v === 'BUFFERED_PARTIAL' || v === 'FULL_DUPLEX_STREAMED' ? v : 'NONE';
  modes.requestHeader = headerMode(override.requestHeaderMode, 'SEND');
  modes.requestBody = bodyMode(override.requestBodyMode);
  modes.requestTrailer = headerMode(override.requestTrailerMode, 'SKIP');
  modes.responseHeader = headerMode(override.responseHeaderMode, 'SEND');
  modes.responseBody = bodyMode(override.responseBodyMode);
  modes.responseTrailer = headerMode(override.responseTrailerMode, 'SKIP');
}
