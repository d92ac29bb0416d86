/**
 * One object per HTTP request, one method per phase. Phase methods return replies; they never
 * touch the gRPC call. The processor detects the API, reads model and stream flag, asks the
 * router, lets the API spec rewrite the request for its backend, and runs the generation's hook
 * list (src/hooks/hook.ts); it knows the hook contract, never the features behind it.
 */
import type { Logger } from 'pino';
import type { ApiMatch } from '../apis/api.js';
import { detectApi, stripPrefix } from '../apis/registry.js';
import { modelsListShape, renderModelList } from '../apis/models-list.js';
import { rewriteRequest } from '../apis/request-rewrite.js';
import { clientError } from '../error-catalogue.js';
import { ProtocolError, UserFacingError, isUserFacing } from '../errors.js';
import { mergeHeaderChanges } from '../hooks/header-changes.js';
import type { LocalResponse, RequestKind } from '../hooks/hook.js';
import type { RequestEventSink, RequestOutcome } from '../hooks/outcome.js';
import type { BodyMode, HeaderChanges, HeaderRecord, PhaseMessage, PhaseReply } from '../hooks/phase.js';
import type { RequestMetrics } from '../metrics/request-metrics.js';
import { BodyBuffer } from './body-buffer.js';
import type { Generation } from './generation.js';
import { HookRun, newHookRequest, type MutableHookRequest } from './hook-run.js';
import { listedModels } from './listed-models.js';
import { continueReply, errorReply, jsonReply, localReply, removing } from './replies.js';
import { RequestIds } from './request-ids.js';
import { requestOutcome, succeeded, type RequestEnd } from './request-outcome.js';
import { ResponseSide } from './response-side.js';
import { ServedBy } from './served-by.js';
import { lazyRouteRequest } from './route-request.js';
import { reemitStreamed } from './streamed-body.js';
import { UpstreamCall, upstreamCluster } from './upstream-call.js';
import type { ProcessorDeps } from './processor-deps.js';

export { MAX_STREAMED_CHUNK } from './streamed-body.js';
export type { ProcessorDeps } from './processor-deps.js';

type State = 'headers' | 'body' | 'routed' | 'passthrough' | 'done';

type Immediate = Extract<PhaseReply, { kind: 'immediate' }>;

const EMPTY = Buffer.alloc(0);

/** Processes the phases of one HTTP request. */
export class RequestProcessor {
  private readonly gen: Generation;
  private readonly metrics: RequestMetrics;
  private readonly hooks: HookRun;
  private readonly startedAt = performance.now();
  private state: State = 'headers';
  private requestBodyMode: BodyMode = 'BUFFERED';
  private responseBodyMode: BodyMode = 'BUFFERED';
  /** The request as hooks see it; filled in as phases arrive. */
  private readonly req: MutableHookRequest;
  private match: ApiMatch | undefined;
  private readonly body: BodyBuffer;
  private requestEnded = false;
  /** The backend and provider the per-attempt path named as serving the response. */
  private readonly served: ServedBy;
  /** Internal headers the client sent, removed in the (held) request-headers reply. */
  private spoofed: string[] = [];
  private injectedUsage = false;
  private ids: RequestIds | undefined;
  private response: ResponseSide | undefined;
  private outcome: RequestOutcome | undefined;
  /** Set when this stream comes from an upstream-level filter: one attempt. */
  private upstream: UpstreamCall | undefined;
  /** Header changes of the hooks that ran (set by {@link runHooks}). */
  private hookHeaders: ReadonlyArray<HeaderChanges | undefined> = [];
  /** A hook replaced the body. */
  private bodyChanged = false;

  constructor(private readonly deps: ProcessorDeps) {
    this.gen = deps.generation;
    this.metrics = this.gen.metrics.newRequest();
    this.hooks = new HookRun(this.gen.hooks, deps.logger);
    this.body = new BodyBuffer(this.gen.config.limits.maxBodyBytes);
    this.req = newHookRequest(this.gen.config);
    this.served = new ServedBy(this.gen, this.req, this.metrics);
  }

  /** What the processor has learnt so far (for the `route` dry run and debugging). */
  get facts(): { api: string | undefined; model: string | undefined; stream: boolean; rule: string | undefined } {
    return { api: this.match?.api.id, model: this.req.model, stream: this.req.stream, rule: this.req.rule };
  }

  /** Handles one message; returns the replies to send, in order (none while a reply is held). */
  async handle(msg: PhaseMessage): Promise<PhaseReply[]> {
    if (msg.protocol) {
      this.requestBodyMode = msg.protocol.requestBodyMode;
      this.responseBodyMode = msg.protocol.responseBodyMode;
    }
    if (this.state === 'headers' && !this.upstream && msg.phase === 'requestHeaders') {
      const cluster = upstreamCluster(msg);
      if (cluster !== undefined) this.upstream = new UpstreamCall(this.gen, cluster, this.deps.logger);
    }
    if (this.upstream) return this.upstream.handle(msg);
    if (this.state === 'headers' && msg.phase !== 'requestHeaders') {
      throw new ProtocolError(`${msg.phase} arrived before requestHeaders`);
    }
    if (msg.phase === 'requestHeaders') {
      if (this.ids) throw new ProtocolError('requestHeaders arrived twice');
      this.ids = new RequestIds(msg.headers ?? {}, this.gen.config.ledger.traceHeader);
    }
    let replies: PhaseReply[];
    // One async frame per phase (no separate dispatcher awaiting the phase method).
    switch (msg.phase) {
      case 'requestHeaders':
        replies = await this.onRequestHeaders(msg);
        break;
      case 'requestBody':
        replies = await this.onRequestBody(msg);
        break;
      case 'requestTrailers':
        replies = [continueReply('requestTrailers')];
        break;
      case 'responseHeaders':
        replies = [await this.responseSide().onHeaders(msg, this.responseBodyMode)];
        break;
      case 'responseBody':
        replies = [await this.responseSide().onBody(msg)];
        break;
      case 'responseTrailers':
        replies = [await this.responseSide().onTrailers()];
        break;
    }
    return this.ids && this.state !== 'passthrough' ? this.ids.decorate(replies) : replies; // non-LLM paths stay untouched
  }

  /** Called once when the stream ends, however it ended: records what is still open. */
  finish(cause: 'completed' | 'cancelled' | 'error'): void {
    if (this.upstream) return;
    if (this.response) this.response.finish(cause);
    else if (!this.outcome && this.state !== 'headers') this.complete({ status: 0, errorType: cause === 'completed' ? 'incomplete' : cause });
  }

  // ---- request side ---------------------------------------------------------------------------

  private async onRequestHeaders(msg: PhaseMessage): Promise<PhaseReply[]> {
    const cfg = this.gen.config;
    const headers: HeaderRecord = { ...msg.headers };
    // A client must never choose a backend by sending our internal headers itself.
    for (const h of [cfg.selectedRouteHeaderKey, cfg.modelNameHeaderKey]) {
      if (headers[h] === undefined) continue;
      this.spoofed.push(h);
      delete headers[h];
    }
    const req = this.req;
    req.headers = headers;
    req.method = (headers[':method'] ?? 'GET').toUpperCase();
    req.path = req.upstreamPath = headers[':path'] ?? '/';
    req.requestId = this.ids!.requestId;
    const detected = detectApi(req.method, req.path, { pathPrefix: cfg.apis.pathPrefix });
    req.api = detected?.api;
    const refused = await this.hooks.requestHeaders(req);
    if (refused) return [this.answer(refused.answer, refused.hook)];

    if (req.method === 'GET') {
      const shape = modelsListShape(req.method, stripPrefix(req.path, cfg.apis.pathPrefix) ?? req.path, headers);
      if (shape) {
        req.api = undefined;
        const ran = await this.runHooks('listing');
        if (ran) return [ran];
        this.state = 'done';
        return [jsonReply(renderModelList(shape, listedModels(cfg)), 'llm_extproc_models_list')];
      }
    }
    this.match = detected;
    if (!detected) {
      if (cfg.apis.unknownPaths === 'reject') {
        return [this.fail(clientError('unknown_path', { path: req.path.split('?')[0]! }))];
      }
      // Not an LLM API: the hooks still apply (no entry without a key when keys are required).
      const ran = await this.runHooks('passthrough');
      if (ran) return [ran];
      this.state = 'passthrough';
      this.deps.events.passthrough();
      this.hooks.forward();
      const changes = mergeHeaderChanges([removing(this.spoofed), ...this.hookHeaders]);
      return [continueReply('requestHeaders', changes ? { headers: changes } : {})];
    }
    const api = detected.api;
    this.metrics.startRequest(headers, { api: api.id, operation: api.operation, provider: api.provider });
    this.state = 'body';
    if (msg.endOfStream) return this.routeFromHeaders(EMPTY); // no body will come
    if (this.requestBodyMode === 'STREAMED' || this.requestBodyMode === 'NONE') {
      // Headers go upstream with this reply: route now, from headers and URL only.
      this.deps.warnStreamedOnce();
      return this.routeFromHeaders(undefined);
    }
    if (this.requestBodyMode === 'FULL_DUPLEX_STREAMED') return []; // the header reply waits for the end of the body
    const remove = removing(this.spoofed);
    return [continueReply('requestHeaders', remove ? { headers: remove } : {})];
  }

  /** Routes in the request-headers reply: no body (`EMPTY`), or a body we cannot wait for (undefined). */
  private async routeFromHeaders(body: Buffer | undefined): Promise<PhaseReply[]> {
    const match = this.match!;
    this.req.model = match.urlModel;
    this.req.stream = match.urlStream ?? false;
    if (body === undefined && this.req.model === undefined) {
      // The model is in a body we will not see: leave the route to Envoy's table.
      const ran = await this.runHooks('unrouted');
      if (ran) return [ran];
      this.state = 'routed';
      this.hooks.forward();
      const changes = mergeHeaderChanges([removing(this.spoofed), ...this.hookHeaders]);
      return [continueReply('requestHeaders', changes ? { headers: changes } : {})];
    }
    const routed = await this.route(body, { parse: body !== undefined && match.api.modelSource !== 'url', headerReply: true });
    if (routed.kind === 'immediate') return [routed];
    return [continueReply('requestHeaders', { headers: routed.headers, clearRouteCache: true })];
  }

  private async onRequestBody(msg: PhaseMessage): Promise<PhaseReply[]> {
    if (this.requestEnded || this.state !== 'body') {
      if (msg.endOfStream) this.requestEnded = true;
      return this.requestBodyMode === 'FULL_DUPLEX_STREAMED' ? reemitStreamed(msg.body ?? EMPTY, msg.endOfStream) : [continueReply('requestBody')];
    }
    if (!this.body.append(msg.body ?? EMPTY)) {
      return [this.fail(clientError('request_too_large', { maxBytes: this.gen.config.limits.maxBodyBytes }))];
    }
    const partial = this.requestBodyMode === 'BUFFERED_PARTIAL' && !msg.endOfStream;
    if (!msg.endOfStream && !partial) {
      return this.requestBodyMode === 'FULL_DUPLEX_STREAMED' ? [] : [continueReply('requestBody')];
    }
    if (msg.endOfStream) this.requestEnded = true;
    const body = this.body.take();
    if (partial && this.match!.api.modelSource !== 'url') {
      // Envoy sent only the part it buffered; the rest goes upstream unseen. A decision on a
      // prefix is one the rest can overturn (a later duplicate `model` key wins at the
      // provider): refuse rather than decide on a part.
      return [this.fail(clientError('body_not_inspected', { for: 'model' }))];
    }
    const full = this.requestBodyMode === 'FULL_DUPLEX_STREAMED';
    const routed = await this.route(partial ? undefined : body, { parse: !partial, headerReply: full });
    if (routed.kind === 'immediate') return [routed];
    const newBody = routed.body;
    if (full) {
      const headerReply = continueReply('requestHeaders', { headers: routed.headers, clearRouteCache: true });
      return [headerReply, ...reemitStreamed(newBody ?? body, msg.endOfStream)];
    }
    return [continueReply('requestBody', { headers: routed.headers, clearRouteCache: true, ...(newBody ? { body: newBody } : {}) })];
  }

  /**
   * Runs the hook list for a request of `kind`; returns the local reply when a hook answered,
   * else undefined (changes in {@link hookHeaders}, the body in `req.body`).
   */
  private async runHooks(kind: RequestKind): Promise<Immediate | undefined> {
    this.req.kind = kind;
    const result = await this.hooks.run(this.req);
    if (result.kind === 'answer') return this.answer(result.answer, result.hook);
    this.hookHeaders = result.headers;
    this.bodyChanged = result.bodyChanged;
    return undefined;
  }

  /**
   * Reads model and stream flag, asks the router, lets the API spec rewrite the request for the
   * rule's backends, and runs the hooks: the header changes (and a new body) to send, or the
   * local reply the client gets. `body` undefined: not seen (headers-only routing); `parse`:
   * read model and stream from it; `headerReply`: the changes go in a request-headers reply
   * (which also removes the client's copies of the internal headers).
   */
  private async route(
    body: Buffer | undefined,
    opts: { parse: boolean; headerReply: boolean },
  ): Promise<{ kind: 'routed'; headers: HeaderChanges | undefined; body?: Buffer } | Immediate> {
    const req = this.req;
    const match = this.match!;
    const api = match.api;
    try {
      if (body !== undefined && opts.parse) {
        const facts = api.parseRequestBody(body, req.headers['content-type']);
        req.model = match.urlModel ?? facts.model;
        req.stream = match.urlStream ?? facts.stream ?? false;
        this.ids!.readBody(body, facts.sessionId);
      } else {
        req.model = match.urlModel;
        req.stream = match.urlStream ?? false;
      }
      if (!req.model) throw clientError('missing_model', { field: 'model', in: 'request' });
    } catch (err) {
      if (isUserFacing(err)) return this.fail(err);
      throw err;
    }
    req.traceId = this.ids!.traceId;
    const model = req.model;
    this.metrics.setModel(model);
    this.metrics.setStream?.(req.stream);
    const cfg = this.gen.config;
    // Frozen: routers get read-only headers, as the contract suite checks.
    const routerHeaders = Object.freeze({ ...req.headers, [cfg.modelNameHeaderKey]: model });
    const started = performance.now();
    const decision = await this.gen.decider.decide(routerHeaders, lazyRouteRequest({ api: api.id, model, stream: req.stream, method: req.method, path: req.path }, body));
    const routeMs = performance.now() - started;
    if (decision.kind === 'none') {
      this.deps.events.decision({ model, rule: undefined, outcome: 'no_route', latencyMs: routeMs });
      return this.fail(clientError('model_not_found', { model }));
    }
    if (decision.kind === 'failed') {
      this.deps.events.decision({ model, rule: undefined, outcome: 'router_failure', latencyMs: routeMs });
      return this.fail(clientError('router_unavailable'));
    }
    const rule = decision.name;
    req.rule = rule;
    req.backend = this.gen.singleBackendOfRule.get(rule);
    this.state = 'routed';
    this.metrics.setBackend(rule, this.gen.backendOfRule.get(rule));
    this.deps.events.decision({ model, rule, outcome: decision.fallback ? 'routed_fallback' : 'routed', latencyMs: routeMs });

    const override = this.gen.modelOverrideOfRule.get(rule);
    if (override !== undefined) req.sentModel = override;
    const rewritten = rewriteRequest(match, req.path, body, { ...(override !== undefined ? { model: override } : {}), includeUsage: req.stream && cfg.streaming.injectUsage });
    this.injectedUsage = rewritten.injectedUsage;
    if (rewritten.path !== undefined) req.upstreamPath = rewritten.path;
    req.body = rewritten.body ?? body;
    const ran = await this.runHooks('routed');
    if (ran) return ran;
    this.hooks.forward();
    const sent = rewritten.body !== undefined || this.bodyChanged ? req.body : undefined;
    const own: Array<readonly [string, string]> = [
      [cfg.selectedRouteHeaderKey, rule],
      [cfg.modelNameHeaderKey, model],
    ];
    if (sent) own.push(['content-length', String(sent.length)]);
    const headers = mergeHeaderChanges([
      opts.headerReply ? removing(this.spoofed) : undefined,
      rewritten.path !== undefined ? { set: [[':path', rewritten.path]] } : undefined,
      ...this.hookHeaders,
      { set: own },
    ]);
    return { kind: 'routed', headers, ...(sent ? { body: sent } : {}) };
  }

  /** The local reply for a hook's answer. */
  private answer(answer: UserFacingError | LocalResponse, hook: string): Immediate {
    if (answer instanceof UserFacingError) return this.fail(answer, hook);
    this.state = 'done';
    const o = answer.outcome;
    this.complete({
      status: answer.status,
      ...(answer.status >= 400 ? { errorType: `http_${answer.status}` } : {}),
      answeredBy: hook,
      ...(o?.info ? { info: o.info } : {}),
      ...(o?.costUsd !== undefined ? { costUsd: o.costUsd } : {}),
      ...(o?.costSavedUsd !== undefined ? { costSavedUsd: o.costSavedUsd } : {}),
    });
    return localReply(answer);
  }

  private fail(err: UserFacingError, answeredBy?: string): Immediate {
    this.state = 'done';
    this.complete({ status: err.status, errorType: err.code, ...(answeredBy ? { answeredBy } : {}) });
    return errorReply(this.match?.api.errorShape ?? this.req.api?.errorShape ?? 'openai', err);
  }

  // ---- response side --------------------------------------------------------------------------

  private responseSide(): ResponseSide {
    this.response ??= new ResponseSide({
      observe: this.state === 'routed' && this.match !== undefined,
      api: this.match?.api,
      stream: this.req.stream,
      stripUsageChunk: this.injectedUsage,
      metrics: this.metrics,
      generation: this.gen,
      hooks: this.hooks,
      identity: () => ({ model: this.req.model, sentModel: this.req.sentModel, rule: this.req.rule, backend: this.served.backend, provider: this.served.provider }),
      servedBy: (backend) => this.served.nameBackend(backend),
      servedProvider: (provider) => this.served.nameProvider(provider),
      logger: this.deps.logger,
      complete: (o) => this.complete(o),
    });
    return this.response;
  }

  private complete(o: RequestEnd): void {
    if (this.outcome) return;
    if (this.match) {
      const success = succeeded(o);
      this.metrics.recordRequestCompletion(success, success ? undefined : { 'error.type': o.errorType ?? String(o.status) });
    }
    const req = this.req;
    this.outcome = requestOutcome(req, o, {
      api: this.match?.api,
      backend: this.served.backend ?? (req.rule !== undefined ? this.gen.backendOfRule.get(req.rule) : undefined),
      provider: this.served.provider,
      durationMs: performance.now() - this.startedAt,
      ids: this.ids,
    });
    this.hooks.outcome(this.outcome);
  }
}
