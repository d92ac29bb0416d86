/**
 * The response half of a request: switches SSE bodies to STREAMED, observes usage and latency,
 * and at the end reports metrics and hands usage/cost to Envoy as dynamic metadata.
 */
import type { Logger } from 'pino';
import type { ApiSpec, ResponseInfo } from '../apis/api.js';
import { buildUsageMetadata } from '../metrics/dynamic-metadata.js';
import type { RequestMetrics } from '../metrics/request-metrics.js';
import { mergeHeaderChanges } from '../hooks/header-changes.js';
import type { BodyMode, HeaderChanges, PhaseMessage, PhaseReply } from '../hooks/phase.js';
import { SERVED_BY_HEADER, SERVED_PROVIDER_HEADER } from '../hooks/hook.js';
import type { Generation } from './generation.js';
import type { HookRun } from './hook-run.js';
import { continueReply } from './replies.js';
import { ResponseObserver } from './response-observer.js';

/** What the response side needs from its request. */
export interface ResponseSideOptions {
  /** False for requests we did not route (passthrough, local replies): replies are plain CONTINUE. */
  readonly observe: boolean;
  readonly api: ApiSpec | undefined;
  /** The client asked for a stream. */
  readonly stream: boolean;
  /** We injected `include_usage`: remove the usage chunk from what the client sees. */
  readonly stripUsageChunk: boolean;
  readonly metrics: RequestMetrics;
  readonly generation: Generation;
  /** The request's hooks: response-header changes, body observers. */
  readonly hooks: HookRun;
  /**
   * The model asked for, the model sent (a `modelNameOverride`), the rule, and the backend and
   * provider that served it when known.
   */
  readonly identity: () => { model: string | undefined; sentModel: string | undefined; rule: string | undefined; backend?: string | undefined; provider?: string | undefined };
  /** The response names the backend that served it ({@link SERVED_BY_HEADER}, set per attempt). */
  readonly servedBy?: (backend: string) => void;
  /** The response names the provider that served it ({@link SERVED_PROVIDER_HEADER}, set by a translated attempt). */
  readonly servedProvider?: (provider: string) => void;
  readonly logger: Logger;
  readonly complete: (o: { status: number; errorType?: string; info?: ResponseInfo; ttftMs?: number; costUsd?: number | null }) => void;
}

const STREAM_TYPES = ['text/event-stream', 'application/vnd.amazon.eventstream'];

/** Response phases of one request. */
export class ResponseSide {
  private status = 0;
  private observer: ResponseObserver | undefined;
  private ended = false;
  private readonly startedAt = performance.now();
  private firstChunkAt: number | undefined;
  /** Some hook observes response bodies. */
  private observed = false;

  constructor(private readonly opts: ResponseSideOptions) {}

  /** Response headers: decide streaming, set up observation. */
  async onHeaders(msg: PhaseMessage, configuredMode: BodyMode): Promise<PhaseReply> {
    const headers = msg.headers ?? {};
    this.status = Number(headers[':status'] ?? 0);
    const contentType = (headers['content-type'] ?? '').toLowerCase();
    const ok = this.status >= 200 && this.status < 300;
    // A 2xx answer to a streaming request streams, whatever its type: Gemini's
    // streamGenerateContent without alt=sse sends a JSON array as application/json.
    const streaming = ok && (STREAM_TYPES.some((t) => contentType.startsWith(t)) || this.opts.stream);
    const served = headers[SERVED_BY_HEADER];
    if (served) this.opts.servedBy?.(served);
    const provider = headers[SERVED_PROVIDER_HEADER];
    if (provider) this.opts.servedProvider?.(provider);
    // Set by an attempt hook for us, never for the client.
    const hidden = [...(served !== undefined ? [SERVED_BY_HEADER] : []), ...(provider !== undefined ? [SERVED_PROVIDER_HEADER] : [])];
    const internal: HeaderChanges[] = hidden.length > 0 ? [{ remove: hidden }] : [];
    const hookChanges = [...internal, ...this.opts.hooks.responseHeaders({ status: this.status, headers, streaming })];
    this.observed = this.opts.hooks.observesBody;
    if (!this.opts.observe || !this.opts.api) {
      const changes = mergeHeaderChanges(hookChanges);
      return continueReply('responseHeaders', changes ? { headers: changes } : {});
    }
    this.observer = new ResponseObserver({
      parser: this.opts.api.newResponseParser({ stream: streaming, contentType, headers }),
      contentEncoding: headers['content-encoding'],
      streaming,
      stripUsageChunk: this.opts.stripUsageChunk && streaming && contentType.startsWith('text/event-stream'),
      metrics: this.opts.metrics,
      maxDecodedBytes: this.opts.generation.config.limits.maxDecodedResponseBytes,
      onDecodeLimit: () =>
        this.opts.logger.warn(
          { limit: this.opts.generation.config.limits.maxDecodedResponseBytes, encoding: headers['content-encoding'], ...this.opts.identity() },
          'response body decompresses past limits.maxDecodedResponseBytes: stopped decoding it, its usage is not read',
        ),
    });
    const strip = this.observer.rewritesBody;
    const remove: string[] = [];
    let responseBodyMode: BodyMode | undefined;
    if (streaming && configuredMode !== 'STREAMED' && configuredMode !== 'FULL_DUPLEX_STREAMED' && configuredMode !== 'NONE') {
      // Buffering an SSE body would hold every token until the end: stream it instead, and drop
      // content-length or Envoy truncates the body at the stated length.
      responseBodyMode = 'STREAMED';
      remove.push('content-length');
    }
    if (strip) {
      // We rewrite the body: drop its length, and its encoding since we emit decoded bytes.
      if (!remove.includes('content-length')) remove.push('content-length');
      if (headers['content-encoding']) remove.push('content-encoding');
    }
    if (msg.endOfStream) return this.finishReply('responseHeaders', remove, undefined, hookChanges);
    const changes = mergeHeaderChanges([{ remove }, ...hookChanges]);
    return continueReply('responseHeaders', {
      ...(changes ? { headers: changes } : {}),
      ...(responseBodyMode ? { responseBodyMode } : {}),
    });
  }

  /** One response body chunk. */
  async onBody(msg: PhaseMessage): Promise<PhaseReply> {
    if (this.ended) return continueReply('responseBody'); // data after end_of_stream is ignored
    const chunk = msg.body ?? Buffer.alloc(0);
    if (!this.observer) {
      if (this.observed) this.opts.hooks.responseBody(chunk, msg.endOfStream);
      return continueReply('responseBody');
    }
    if (chunk.length > 0) this.firstChunkAt ??= performance.now();
    const replaced = await this.observer.push(chunk, msg.endOfStream);
    if (this.observed) this.opts.hooks.responseBody(replaced ?? chunk, msg.endOfStream);
    if (msg.endOfStream) return this.finishReply('responseBody', [], replaced);
    return continueReply('responseBody', replaced ? { body: replaced } : {});
  }

  /** Response trailers end the response when the body did not. */
  async onTrailers(): Promise<PhaseReply> {
    if (this.ended || !this.observer) return continueReply('responseTrailers');
    return this.finishReply('responseTrailers', []);
  }

  /** The stream ended; record a response that never completed. */
  finish(cause: 'completed' | 'cancelled' | 'error'): void {
    if (this.ended) return;
    this.ended = true;
    this.opts.complete({ status: this.status, errorType: cause === 'completed' ? 'incomplete_response' : cause });
  }

  private finishReply(phase: 'responseHeaders' | 'responseBody' | 'responseTrailers', remove: string[], body?: Buffer, hookChanges: ReadonlyArray<HeaderChanges | undefined> = []): PhaseReply {
    this.ended = true;
    const info = this.observer!.end();
    const { model, sentModel, rule } = this.opts.identity();
    const ok = this.status >= 200 && this.status < 300 && !info.errorType;
    if (info.model) this.opts.metrics.setResponseModel?.(info.model);
    if (ok) this.opts.metrics.recordTokenUsage(info.usage);
    const ttftMs = this.opts.stream && this.firstChunkAt !== undefined ? this.firstChunkAt - this.startedAt : undefined;
    const costUsd = this.price(info, model, sentModel, rule);
    this.opts.complete({
      ...(costUsd !== undefined ? { costUsd } : {}),
      status: this.status,
      ...(ok ? {} : { errorType: info.errorType ?? `http_${this.status}` }),
      info,
      ...(ttftMs !== undefined ? { ttftMs } : {}),
    });
    let dynamicMetadata: Record<string, Record<string, unknown>> | undefined;
    if (ok) dynamicMetadata = this.metadata(info, model, rule, costUsd);
    const changes = mergeHeaderChanges([{ remove }, ...hookChanges]);
    return continueReply(phase, {
      ...(changes ? { headers: changes } : {}),
      ...(body ? { body } : {}),
      ...(dynamicMetadata ? { dynamicMetadata } : {}),
    });
  }

  /**
   * The request's price (undefined without a price table, null for an unpriced model), under the
   * provider that served it (else the API's): of the model the provider says answered, else of
   * the model sent (a `modelNameOverride`), else of the model asked for — the first that has a
   * price.
   */
  private price(info: ResponseInfo, model: string | undefined, sentModel: string | undefined, rule: string | undefined): number | null | undefined {
    const table = this.opts.generation.pricing;
    if (!table || !this.opts.api) return undefined;
    const identity = this.opts.identity();
    const backend = identity.backend ?? (rule ? this.opts.generation.backendOfRule.get(rule) : undefined);
    const provider = identity.provider ?? this.opts.api.provider;
    return table.cost({ provider, backend, model: info.model ?? sentModel ?? model ?? '', sentModel, requestModel: model, usage: info.usage });
  }

  private metadata(info: ResponseInfo, model: string | undefined, rule: string | undefined, costUsd: number | null | undefined): Record<string, Record<string, unknown>> {
    const gen = this.opts.generation;
    const backend = this.opts.identity().backend ?? (rule ? (gen.backendOfRule.get(rule) ?? '') : '');
    const costs = gen.costs({ model: model ?? '', backend, routeName: rule ?? '', usage: info.usage });
    for (const e of costs.errors) this.opts.logger.warn({ err: e }, 'llmRequestCosts evaluation failed');
    return buildUsageMetadata({
      namespace: gen.config.metadataNamespace,
      usage: info.usage,
      requestModel: model,
      responseModel: info.model,
      routeName: rule,
      backend,
      ...(typeof costUsd === 'number' ? { costUsd } : {}),
      costs: costs.values,
    });
  }
}
