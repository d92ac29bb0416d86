/**
 * Envoy's router retry loop with an upstream-level ext_proc filter, for a route that names a
 * failover cluster (endpoints at priorities): per attempt it picks an endpoint as
 * `previous_priorities` (update frequency 1) does, opens a new `Process` stream for the
 * upstream-level filter with the `xds.cluster_name` and `xds.upstream_host_metadata` attributes,
 * sends that attempt's request (and, when configured, its response headers) through it, calls the
 * endpoint's upstream, and decides about a retry as Envoy's retry state does:
 *
 * - a response carrying `x-envoy-ratelimited` is never retried (no `envoy-ratelimited` in retry_on);
 * - 5xx, a status in `retriable_status_codes`, or an unreachable upstream is retried while retries
 *   remain;
 * - the back-off is the wait in the rate-limited reset header when it parses (whole seconds) and
 *   is within `max_interval`, else the exponential back-off's base interval (recorded, not slept:
 *   the harness records what Envoy would wait).
 *
 * A local reply of the upstream-level filter ends the request (Envoy does not retry those).
 * When the filter processes response bodies (a cluster whose backends are reached by
 * translation), the body of the attempt that is not retried streams through that attempt's
 * `Process` stream, chunk by chunk, before it reaches the router-level filter; the stream is
 * finished once the body ended. Test code only.
 */
import type * as http from 'node:http';
import { AsyncQueue } from './async-queue.js';
import { parseContentLength } from './body-chunks.js';
import { runDirection } from './direction.js';
import type { Exchange } from './exchange.js';
import type { ExtProcClient } from './ext-proc-client.js';
import { applyHeaderMutation, getHeader, hasHeader, removeHeader } from './headers.js';
import { ProcessorSession } from './processor-session.js';
import { sendUpstream, syntheticResponse, type UpstreamResponse } from './upstream-client.js';
import type { BodySendMode, HeaderList, JsonValue } from './wire.js';
import { toHeaderMap } from './wire.js';

/** One endpoint of a failover cluster. */
export interface AttemptEndpoint {
  readonly priority: number;
  /** Harness upstream name the endpoint's traffic goes to. */
  readonly upstream: string;
  /** The endpoint's metadata (`filter_metadata` …), sent as `xds.upstream_host_metadata`. */
  readonly metadata: Record<string, JsonValue>;
}

/** A route's retry policy and cluster, as far as the harness plays them. */
export interface AttemptPlan {
  readonly cluster: string;
  readonly endpoints: readonly AttemptEndpoint[];
  readonly numRetries: number;
  readonly retriableStatusCodes: readonly number[];
  /** Rate-limited back-off: header (SECONDS format) and its max interval. */
  readonly resetHeader?: { readonly name: string; readonly maxIntervalMs: number };
  readonly baseIntervalMs: number;
  /** The upstream-level filter's modes; absent: no upstream-level filter. */
  readonly filter?: {
    readonly requestBody: BodySendMode;
    readonly responseHeader: 'SEND' | 'SKIP';
    /** The response body mode (default NONE: the body goes to the router level untouched). */
    readonly responseBody?: BodySendMode;
    readonly allowEnvoy?: boolean;
  };
  /** Route `metadata_match` on `envoy.lb.llm_extproc_sets` (a skip variant). */
  readonly subset?: string;
}

/** What one attempt did. */
export interface AttemptRecord {
  readonly upstream: string;
  readonly priority: number;
  /** Headers and body that reached the upstream. */
  readonly headers: HeaderList;
  readonly body: Buffer;
  /** The upstream's status (503 when unreachable). */
  readonly status: number;
  /** Response headers after the upstream-level filter. */
  readonly responseHeaders: HeaderList;
  /** What Envoy waits before the next attempt (undefined for the last one). */
  backoffMs?: number;
}

/** Everything an attempt loop needs from the harness. */
export interface AttemptContext {
  readonly client: ExtProcClient;
  readonly agent: http.Agent;
  readonly upstreams: Readonly<Record<string, { readonly url: string }>>;
  readonly messageTimeoutMs: number;
  readonly bufferLimit: number;
}

const inSubset = (e: AttemptEndpoint, subset: string | undefined): boolean => {
  if (subset === undefined) return true;
  const lb = (e.metadata['filter_metadata'] as Record<string, Record<string, JsonValue>> | undefined)?.['envoy.lb'];
  const sets = lb?.['llm_extproc_sets'];
  return Array.isArray(sets) && sets.includes(subset);
};

/** The endpoint of the next attempt: the best priority not yet tried (all tried: start over). */
function pick(plan: AttemptPlan, tried: Set<number>): AttemptEndpoint | undefined {
  const usable = plan.endpoints.filter((e) => inSubset(e, plan.subset));
  if (usable.length === 0) return undefined;
  if (usable.every((e) => tried.has(e.priority))) tried.clear();
  return [...usable].filter((e) => !tried.has(e.priority)).sort((a, b) => a.priority - b.priority)[0];
}

/** Envoy's back-off before the next attempt after `response`. */
function backoff(plan: AttemptPlan, response: HeaderList): number {
  const reset = plan.resetHeader;
  const v = reset ? getHeader(response, reset.name) : undefined;
  if (reset && v !== undefined && /^\d+$/.test(v) && Number(v) * 1000 <= reset.maxIntervalMs) return Number(v) * 1000;
  return plan.baseIntervalMs;
}

function wouldRetry(plan: AttemptPlan, status: number, headers: HeaderList): boolean {
  if (hasHeader(headers, 'x-envoy-ratelimited')) return false;
  return status >= 500 || plan.retriableStatusCodes.includes(status);
}

/**
 * Plays the attempts of one request. Returns the final upstream response (its headers as the
 * upstream-level filter left them) and records each attempt in `records`.
 */
export async function playAttempts(
  ctx: AttemptContext,
  exchange: Exchange,
  plan: AttemptPlan,
  routerHeaders: HeaderList,
  body: Buffer,
  records: AttemptRecord[],
): Promise<UpstreamResponse> {
  const tried = new Set<number>();
  for (let attempt = 0; ; attempt++) {
    const endpoint = pick(plan, tried);
    if (!endpoint) return syntheticResponse(503, 'text/plain', 'no healthy upstream');
    tried.add(endpoint.priority);
    const headers: HeaderList = routerHeaders.map(([k, v]) => [k, v]);
    let sentBody = body;
    const session = plan.filter
      ? new ProcessorSession({
          open: ctx.client.open,
          exchange,
          observability: false,
          failureModeAllow: false,
          messageTimeoutMs: ctx.messageTimeoutMs,
          requestBodyMode: plan.filter.requestBody,
          responseBodyMode: plan.filter.responseBody ?? 'NONE',
          attributes: { 'xds.cluster_name': plan.cluster, 'xds.upstream_host_metadata': endpoint.metadata },
        })
      : undefined;
    let response: UpstreamResponse;
    try {
      if (session && plan.filter) {
        const parts: Buffer[] = [];
        const modes = { header: 'SEND', body: plan.filter.requestBody, trailer: 'SKIP' } as const;
        await runDirection(session, exchange, {
          direction: 'request',
          headers,
          hasBody: body.length > 0,
          source: (async function* () {
            if (body.length > 0) yield body;
          })(),
          sourceLength: body.length,
          sourceTrailers: () => [],
          modes: () => modes,
          configured: modes,
          bufferLimit: ctx.bufferLimit,
          onHeadersReply: () => undefined,
          clearRouteCache: () => undefined,
          headersFinal: () => undefined,
          emit: (chunk) => void parts.push(chunk),
          emitTrailers: () => undefined,
          overLimit: () => {
            throw new Error('attempt body over the buffer limit');
          },
          mutationRules: { allowEnvoy: plan.filter.allowEnvoy ?? false },
        });
        sentBody = Buffer.concat(parts);
      }
      const target = ctx.upstreams[endpoint.upstream];
      if (!target) throw new Error(`harness: endpoint upstream "${endpoint.upstream}" is not configured`);
      try {
        response = await sendUpstream(ctx.agent, target.url, headers.filter(([n]) => n !== 'transfer-encoding'), sentBody);
      } catch (err) {
        response = syntheticResponse(503, 'text/plain', `upstream connect error: ${err instanceof Error ? err.message : String(err)}`);
      }
      const responseHeaders: HeaderList = [[':status', String(response.status)], ...response.headers];
      if (session && plan.filter?.responseHeader === 'SEND') {
        await session.send({ responseHeaders: { headers: toHeaderMap(responseHeaders), endOfStream: false } });
        const reply = await session.expect(['responseHeaders'], 'attempt response headers');
        const mutation = reply?.responseHeaders?.response?.headerMutation;
        if (mutation) exchange.ignored.push(...applyHeaderMutation(responseHeaders, mutation, { allowEnvoy: plan.filter.allowEnvoy ?? false }).rejected);
      }
      const status = response.status;
      const finalHeaders = responseHeaders.filter(([k]) => k !== ':status');
      const record: AttemptRecord = { upstream: endpoint.upstream, priority: endpoint.priority, headers, body: sentBody, status, responseHeaders: finalHeaders };
      records.push(record);
      const retry = attempt < plan.numRetries && wouldRetry(plan, status, finalHeaders);
      const bodyMode = plan.filter?.responseBody ?? 'NONE';
      if (session && !retry && bodyMode !== 'NONE' && plan.filter?.responseHeader === 'SEND' && hasBody(routerHeaders, response)) {
        return bodyThroughFilter(ctx, exchange, session, response, finalHeaders, bodyMode, plan.filter.allowEnvoy ?? false);
      }
      await session?.finish();
      if (retry) {
        record.backoffMs = backoff(plan, finalHeaders);
        response.discard();
        continue;
      }
      return { ...response, headers: finalHeaders };
    } catch (err) {
      // A local reply of the upstream-level filter (ImmediateResponseSignal) is the response;
      // Envoy does not retry it.
      session?.stop();
      await session?.finish();
      throw err;
    }
  }
}

/** Whether a response carries a body (as the router-level direction decides it). */
function hasBody(requestHeaders: HeaderList, response: UpstreamResponse): boolean {
  const s = response.status;
  return !(getHeader(requestHeaders, ':method') === 'HEAD' || s === 204 || s === 304 || s < 200 || getHeader(response.headers, 'content-length') === '0');
}

/**
 * The attempt's response body through its upstream-level `Process` stream (the headers were
 * already sent and answered): chunks go to the processor as they arrive and its rewritten
 * chunks become the body the router level sees. Envoy drops `content-length` of a body it
 * streams through a filter. A failure mid-body is a violation and ends the body there.
 */
function bodyThroughFilter(
  ctx: AttemptContext,
  exchange: Exchange,
  session: ProcessorSession,
  response: UpstreamResponse,
  headers: HeaderList,
  mode: BodySendMode,
  allowEnvoy: boolean,
): UpstreamResponse {
  const sourceLength = parseContentLength(getHeader(response.headers, 'content-length'));
  if (mode === 'STREAMED' || mode === 'BUFFERED_PARTIAL' || mode === 'FULL_DUPLEX_STREAMED') removeHeader(headers, 'content-length');
  const out = new AsyncQueue<Buffer>();
  const modes = { header: 'SKIP', body: mode, trailer: 'SKIP' } as const;
  void runDirection(session, exchange, {
    direction: 'response',
    headers,
    hasBody: true,
    source: response.body,
    sourceLength,
    sourceTrailers: response.trailers,
    modes: () => modes,
    configured: { ...modes, header: 'SEND' },
    bufferLimit: ctx.bufferLimit,
    onHeadersReply: () => undefined,
    clearRouteCache: () => undefined,
    headersFinal: () => undefined,
    emit: (chunk) => out.push(chunk),
    emitTrailers: () => undefined,
    overLimit: () => {
      throw new Error('attempt response body over the buffer limit');
    },
    mutationRules: { allowEnvoy },
  })
    .catch((err: unknown) => {
      exchange.violation(`attempt response body through the upstream-level filter failed: ${err instanceof Error ? err.message : String(err)}`);
      session.stop();
      response.discard();
    })
    .then(() => session.finish())
    .finally(() => out.close());
  return { status: response.status, headers, body: out, trailers: response.trailers, discard: () => response.discard() };
}
