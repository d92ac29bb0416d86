/**
 * One object per HTTP request, one method per phase. Phase methods return replies; they never
 * touch the gRPC call. State lives in fields.
 */
import type { Logger } from 'pino';
import type { ApiMatch } from '../apis/api.js';
import { detectApi } from '../apis/registry.js';
import { modelsListShape, renderModelList } from '../apis/models-list.js';
import { listedModels } from './listed-models.js';
import { injectIncludeUsage } from '../apis/openai-usage-injection.js';
import { UserFacingError, isUserFacing } from '../errors.js';
import type { RequestMetrics } from '../metrics/request-metrics.js';
import { checkRequestLine } from '../policy/request-policy.js';
import { runAccessStep, withResponsePolicy, type AccessInput } from './access-step.js';
import { runPromptCachingStep } from './prompt-caching-step.js';
import { RequestIds } from './request-ids.js';
import { BodyBuffer } from './body-buffer.js';
import { lazyRouteRequest } from './route-request.js';
import { withModel } from './model-override.js';
import { pathWithModel } from '../apis/url-path.js';
import { reemitStreamed } from './streamed-body.js';
import type { Generation } from './generation.js';
import type { BodyMode, HeaderRecord, PhaseMessage, PhaseReply } from '../hooks/phase.js';
import { continueReply, errorReply, jsonReply, removing } from './replies.js';
import { ResponseSide } from './response-side.js';
import type { RequestOutcome, RequestOutcomeSink } from '../hooks/outcome.js';
import { UpstreamCall, upstreamCluster } from './upstream-call.js';

export { MAX_STREAMED_CHUNK } from './streamed-body.js';

/** APIs whose streaming requests take `stream_options.include_usage`. */
const INCLUDE_USAGE_APIS = new Set(['openai.chat_completions', 'openai.completions', 'azure.chat_completions', 'azure.completions']);

/** What a processor needs besides its generation. */
export interface ProcessorDeps {
  readonly generation: Generation;
  readonly logger: Logger;
  /** Receives one outcome per request (service counters, debug ring, request log). */
  readonly outcomes: RequestOutcomeSink;
  /** Called once per process the first time a request must be routed from headers only. */
  readonly warnStreamedOnce: () => void;
}

type State = 'headers' | 'body' | 'routed' | 'passthrough' | 'done';

/** Processes the phases of one HTTP request. */
export class RequestProcessor {
  private readonly config: Generation['config'];
  private readonly metrics: RequestMetrics;
  private state: State = 'headers';
  private requestHeaders: HeaderRecord = {};
  private method = 'GET';
  private path = '/';
  private match: ApiMatch | undefined;
  private requestBodyMode: BodyMode = 'BUFFERED';
  private responseBodyMode: BodyMode = 'BUFFERED';
  private readonly body: BodyBuffer;
  private requestEnded = false;
  private heldHeaderRemovals: string[] | undefined;
  private model: string | undefined;
  private stream = false;
  private rule: string | undefined;
  private injectedUsage = false;
  private response: ResponseSide | undefined;
  private readonly startedAt = performance.now();
  private outcome: RequestOutcome | undefined;
  /** Set when this stream comes from an upstream-level filter: credentials only. */
  private upstream: UpstreamCall | undefined;
  private ids: RequestIds | undefined;
  private key: { readonly id: string; readonly project: string } | undefined;
  /** `:path` with the URL model renamed (`modelNameOverride`), when it was. */
  private upstreamPath: string | undefined;

  constructor(private readonly deps: ProcessorDeps) {
    this.config = deps.generation.config;
    this.metrics = deps.generation.metrics.newRequest();
    this.body = new BodyBuffer(this.config.limits.maxBodyBytes);
  }

  /** What the processor has learnt so far (for the `route` dry run and debugging). */
  get facts(): { api: string | undefined; model: string | undefined; stream: boolean; rule: string | undefined } {
    return { api: this.match?.api.id, model: this.model, stream: this.stream, rule: this.rule };
  }

  /** Handles one message; returns the replies to send, in order (none while a reply is held). */
  async handle(msg: PhaseMessage): Promise<PhaseReply[]> {
    if (msg.protocol) {
      this.requestBodyMode = msg.protocol.requestBodyMode;
      this.responseBodyMode = msg.protocol.responseBodyMode;
    }
    if (this.state === 'headers' && !this.upstream && msg.phase === 'requestHeaders') {
      const cluster = upstreamCluster(msg);
      if (cluster !== undefined) this.upstream = new UpstreamCall(this.deps.generation, cluster, this.deps.logger);
    }
    if (this.upstream) return this.upstream.handle(msg);
    if (msg.phase === 'requestHeaders') this.ids ??= new RequestIds(msg.headers ?? {}, this.config.ledger.traceHeader);
    const replies = await this.phase(msg);
    return this.ids && this.state !== 'passthrough' ? this.ids.decorate(replies) : replies; // non-LLM paths stay untouched
  }

  private async phase(msg: PhaseMessage): Promise<PhaseReply[]> {
    switch (msg.phase) {
      case 'requestHeaders':
        return this.onRequestHeaders(msg);
      case 'requestBody':
        return this.onRequestBody(msg);
      case 'requestTrailers':
        return this.onRequestTrailers();
      case 'responseHeaders':
        return [this.withResponsePolicy(await this.responseSide().onHeaders(msg, this.responseBodyMode))];
      case 'responseBody':
        return [await this.responseSide().onBody(msg)];
      case 'responseTrailers':
        return [await this.responseSide().onTrailers()];
    }
  }

  /** Called once when the stream ends, however it ended: records what is still open. */
  finish(cause: 'completed' | 'cancelled' | 'error'): void {
    if (this.upstream) return;
    if (this.response) this.response.finish(cause);
    else if (!this.outcome && this.state !== 'headers') this.complete({ status: 0, errorType: cause === 'completed' ? 'incomplete' : cause });
  }

  // ---- request side ---------------------------------------------------------------------------

  private internalHeaders(): string[] {
    return [this.config.selectedRouteHeaderKey, this.config.modelNameHeaderKey];
  }

  private async onRequestHeaders(msg: PhaseMessage): Promise<PhaseReply[]> {
    const headers = { ...msg.headers };
    // A client must never choose a backend by sending our internal headers itself.
    const internal = this.internalHeaders();
    const present = internal.filter((h) => headers[h] !== undefined);
    for (const h of internal) delete headers[h];
    this.requestHeaders = headers;
    this.method = (headers[':method'] ?? 'GET').toUpperCase();
    this.path = headers[':path'] ?? '/';
    const remove = removing(present);
    const detected = detectApi(this.method, this.path, { pathPrefix: this.config.apis.pathPrefix });
    const refused = checkRequestLine([this.config.policy], this.method, this.path, headers);
    if (refused) return [this.fail(detected?.api.errorShape ?? 'openai', refused)];

    if (this.method === 'GET') {
      const shape = modelsListShape(this.method, this.stripPrefix(this.path), headers);
      if (shape) {
        const access = await this.access(undefined, { listing: true });
        if (!access.ok) return [this.fail(shape, access.error)];
        this.state = 'done';
        return [jsonReply(renderModelList(shape, listedModels(this.config)), 'llm_extproc_models_list')];
      }
    }
    this.match = detected;
    if (!this.match) {
      if (this.config.apis.unknownPaths === 'reject') {
        return [this.fail('openai', new UserFacingError(404, 'unknown_path', `no LLM API is served at ${this.path.split('?')[0]}`))];
      }
      // Not an LLM API: still no entry without a key when keys are required, and never with it.
      const access = await this.access(undefined);
      if (!access.ok) return [this.fail('openai', access.error)];
      this.state = 'passthrough';
      this.deps.outcomes.passthrough();
      const changes = { set: access.set, remove: [...present, ...access.remove] };
      return [continueReply('requestHeaders', changes.set.length || changes.remove.length ? { headers: changes } : {})];
    }
    const api = this.match.api;
    this.metrics.startRequest(headers, { api: api.id, operation: api.operation, provider: api.provider });
    this.state = 'body';

    if (msg.endOfStream) {
      // No body will come: route from the URL, or tell the client the model is missing.
      return this.routeFromHeaders(present, api.modelSource === 'url' ? undefined : Buffer.alloc(0));
    }
    if (this.requestBodyMode === 'STREAMED' || this.requestBodyMode === 'NONE') {
      // Headers go upstream with this reply: route now, from headers and URL only.
      this.deps.warnStreamedOnce();
      return this.routeFromHeaders(present, undefined);
    }
    if (this.requestBodyMode === 'FULL_DUPLEX_STREAMED') {
      this.heldHeaderRemovals = present; // the header reply waits for the end of the body
      return [];
    }
    return [continueReply('requestHeaders', remove ? { headers: remove } : {})];
  }

  /** Routes in the request-headers reply (no body, or a body we cannot wait for). */
  private async routeFromHeaders(removals: string[], body: Buffer | undefined): Promise<PhaseReply[]> {
    const match = this.match!;
    this.model = match.urlModel;
    this.stream = match.urlStream ?? false;
    if (body === undefined && this.model === undefined) {
      // The model is in a body we will not see: leave the route to Envoy's table.
      const access = await this.access(undefined);
      if (!access.ok) return [this.fail(match.api.errorShape, access.error)];
      this.state = 'routed';
      const changes = { set: access.set, remove: [...removals, ...access.remove] };
      return [continueReply('requestHeaders', changes.set.length || changes.remove.length ? { headers: changes } : {})];
    }
    const routed = await this.route(body);
    if (routed.kind === 'immediate') return [routed];
    return [continueReply('requestHeaders', { headers: { set: routed.set, remove: [...removals, ...routed.remove] }, clearRouteCache: true })];
  }

  private async onRequestBody(msg: PhaseMessage): Promise<PhaseReply[]> {
    if (this.requestEnded || this.state === 'passthrough' || this.state === 'routed' || this.state === 'done') {
      if (msg.endOfStream) this.requestEnded = true;
      return this.requestBodyMode === 'FULL_DUPLEX_STREAMED' ? reemitStreamed(msg.body ?? Buffer.alloc(0), msg.endOfStream) : [continueReply('requestBody')];
    }
    if (!this.body.append(msg.body ?? Buffer.alloc(0))) {
      return [this.fail(this.match!.api.errorShape, new UserFacingError(413, 'request_too_large', `request body exceeds ${this.config.limits.maxBodyBytes} bytes`))];
    }
    const partial = this.requestBodyMode === 'BUFFERED_PARTIAL' && !msg.endOfStream;
    if (!msg.endOfStream && !partial) {
      return this.requestBodyMode === 'FULL_DUPLEX_STREAMED' ? [] : [continueReply('requestBody')];
    }
    if (msg.endOfStream) this.requestEnded = true;
    const body = this.body.take();
    const routed = await this.route(body, partial);
    if (routed.kind === 'immediate') return [routed];
    const newBody = routed.body;
    const set = newBody ? [...routed.set, ['content-length', String(newBody.length)] as const] : routed.set;
    if (this.requestBodyMode === 'FULL_DUPLEX_STREAMED') {
      const removals = [...(this.heldHeaderRemovals ?? []), ...routed.remove];
      const headerReply = continueReply('requestHeaders', { headers: { set, remove: removals }, clearRouteCache: true });
      return [headerReply, ...reemitStreamed(newBody ?? body, msg.endOfStream)];
    }
    const remove = routed.remove.length ? { remove: routed.remove } : {};
    return [continueReply('requestBody', { headers: { set, ...remove }, clearRouteCache: true, ...(newBody ? { body: newBody } : {}) })];
  }

  private onRequestTrailers(): PhaseReply[] {
    return [continueReply('requestTrailers')];
  }

  /**
   * Routes (see {@link decide}), then runs the access step (policy, gateway key, upstream
   * credential) on the outcome: the headers to set and remove (and a new body when we changed
   * it), or the local reply the client gets.
   */
  private async route(
    body: Buffer | undefined,
    partial = false,
  ): Promise<{ kind: 'routed'; set: Array<readonly [string, string]>; remove: string[]; body?: Buffer } | (PhaseReply & { kind: 'immediate' })> {
    const routed = await this.decide(body, partial);
    if (routed.kind === 'immediate') return routed;
    const access = await this.access(routed.body ?? body);
    if (!access.ok) return this.fail(this.match!.api.errorShape, access.error);
    const sent = routed.body ?? body;
    const hints = sent?.length && !partial ? runPromptCachingStep(this.deps.generation, this.rule, { apiId: this.match!.api.id, body: sent, headers: this.requestHeaders, project: this.key?.project, traceId: this.ids?.traceId }, this.deps.logger) : undefined;
    const set = [...routed.set, ...(hints?.set ?? [])];
    const ours = new Set(set.map(([k]) => k));
    return { ...routed, ...(hints?.body ? { body: hints.body } : {}), set: [...set, ...access.set.filter(([k]) => !ours.has(k))], remove: access.remove.filter((h) => !ours.has(h)) };
  }

  /** Runs the access step for what is known of this request now. */
  private async access(body: Buffer | undefined, opts: { listing?: boolean } = {}): ReturnType<typeof runAccessStep> {
    const input: AccessInput = {
      provider: this.match?.api.provider,
      method: this.method,
      path: this.path,
      headers: this.requestHeaders,
      model: this.model,
      rule: this.rule,
      body,
      ...(opts.listing ? { listing: true } : {}),
      ...(this.upstreamPath !== undefined ? { upstreamPath: this.upstreamPath } : {}),
    };
    const result = await runAccessStep(this.deps.generation, input, this.deps.logger);
    if (result.ok && result.key) this.key = result.key;
    return result;
  }

  /** The response-header changes of the request policies, merged into a response-headers reply. */
  private withResponsePolicy(reply: PhaseReply): PhaseReply {
    return withResponsePolicy(this.deps.generation, reply, { request_id: this.requestHeaders['x-request-id'], model: this.model, rule: this.rule });
  }

  /**
   * Extracts model and stream flag, asks the router, and returns the headers to set (and a new
   * body when we changed it) or the local reply the client gets.
   */
  private async decide(
    body: Buffer | undefined,
    partial = false,
  ): Promise<{ kind: 'routed'; set: Array<readonly [string, string]>; body?: Buffer } | (PhaseReply & { kind: 'immediate' })> {
    const match = this.match!;
    const api = match.api;
    try {
      if (body !== undefined) {
        const facts = api.parseRequestBody(body, this.requestHeaders['content-type'], partial ? { partial: true } : undefined);
        this.model = match.urlModel ?? facts.model;
        this.stream = match.urlStream ?? facts.stream ?? false;
        this.ids?.readBody(body, facts.sessionId);
      }
      if (!this.model && partial) {
        // The model lies beyond the part Envoy buffered: leave the route to Envoy's table.
        this.state = 'routed';
        return { kind: 'routed', set: [] };
      }
      if (!this.model) {
        throw new UserFacingError(400, 'missing_model', 'the request does not name a model', 'model');
      }
    } catch (err) {
      if (isUserFacing(err)) return this.fail(api.errorShape, err);
      throw err;
    }
    const model = this.model;
    this.metrics.setModel(model);
    // Frozen: routers get read-only headers, as the contract suite checks.
    const routerHeaders = Object.freeze({ ...this.requestHeaders, [this.config.modelNameHeaderKey]: model });
    const started = performance.now();
    const decision = await this.deps.generation.decider.decide(routerHeaders, lazyRouteRequest({ api: this.match!.api.id, model: this.model, stream: this.stream, method: this.method, path: this.path }, body));
    const routeMs = performance.now() - started;
    if (decision.kind === 'none') {
      this.deps.outcomes.decision({ model, rule: undefined, outcome: 'no_route', latencyMs: routeMs });
      return this.fail(api.errorShape, new UserFacingError(404, 'model_not_found', `no route for model ${JSON.stringify(model)}`, 'model'));
    }
    if (decision.kind === 'failed') {
      this.deps.outcomes.decision({ model, rule: undefined, outcome: 'router_failure', latencyMs: routeMs });
      return this.fail(api.errorShape, new UserFacingError(503, 'router_unavailable', 'the router could not decide a route; try again'));
    }
    this.rule = decision.name;
    this.state = 'routed';
    this.metrics.setBackend(decision.name, this.deps.generation.backendOfRule.get(decision.name));
    this.deps.outcomes.decision({ model, rule: decision.name, outcome: decision.fallback ? 'routed_fallback' : 'routed', latencyMs: routeMs });
    const set: Array<readonly [string, string]> = [
      [this.config.selectedRouteHeaderKey, decision.name],
      [this.config.modelNameHeaderKey, model],
    ];
    const override = this.deps.generation.modelOverrideOfRule?.get(decision.name);
    if (override !== undefined && api.modelSource === 'url') this.upstreamPath = pathWithModel(this.path, this.match!, override);
    if (!body || partial) return { kind: 'routed', set };
    let sent = body;
    if (this.stream && this.config.streaming.injectUsage && INCLUDE_USAGE_APIS.has(api.id)) {
      const injected = injectIncludeUsage(sent);
      if (injected) {
        this.injectedUsage = true;
        sent = injected;
      }
    }
    if (override !== undefined && api.modelSource === 'body') sent = withModel(sent, override) ?? sent;
    return sent === body ? { kind: 'routed', set } : { kind: 'routed', set, body: sent };
  }

  private fail(shape: Parameters<typeof errorReply>[0], err: UserFacingError): PhaseReply & { kind: 'immediate' } {
    this.state = 'done';
    this.complete({ status: err.status, errorType: err.code });
    return errorReply(shape, err);
  }

  private stripPrefix(path: string): string {
    const prefix = this.config.apis.pathPrefix;
    return prefix && path.startsWith(prefix) ? path.slice(prefix.length) || '/' : path;
  }

  // ---- response side --------------------------------------------------------------------------

  private responseSide(): ResponseSide {
    this.response ??= new ResponseSide({
      observe: this.state === 'routed' && this.match !== undefined,
      api: this.match?.api,
      stream: this.stream,
      stripUsageChunk: this.injectedUsage,
      metrics: this.metrics,
      generation: this.deps.generation,
      identity: () => ({ model: this.model, rule: this.rule }),
      logger: this.deps.logger,
      complete: (o) => this.complete(o),
    });
    return this.response;
  }

  private complete(o: { status: number; errorType?: string; info?: RequestOutcome['info']; ttftMs?: number; costUsd?: number | null }): void {
    if (this.outcome) return;
    const success = o.errorType === undefined && o.status >= 200 && o.status < 300;
    if (this.match) {
      this.metrics.recordRequestCompletion(success, success ? undefined : { 'error.type': o.errorType ?? String(o.status) });
    }
    this.outcome = {
      api: this.match?.api.id,
      method: this.method,
      path: this.path,
      model: this.model,
      rule: this.rule,
      stream: this.stream,
      status: o.status,
      errorType: success ? undefined : (o.errorType ?? String(o.status)),
      durationMs: performance.now() - this.startedAt,
      ...(o.ttftMs !== undefined ? { ttftMs: o.ttftMs } : {}),
      info: o.info,
      ...(this.ids ? { requestId: this.ids.requestId, traceId: this.ids.traceId } : {}),
      ...(this.key ? { key: this.key } : {}),
      ...(o.costUsd !== undefined ? { costUsd: o.costUsd } : {}),
    };
    this.deps.outcomes.completed(this.outcome);
  }
}
