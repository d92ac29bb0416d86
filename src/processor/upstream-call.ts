/**
 * A call from the upstream-level ext_proc filter (in a backend cluster's `http_filters`), which
 * runs once per attempt after Envoy picked the cluster: the router-level call has already routed
 * and authenticated. The API spec renames the model for the picked backend
 * (`modelNameOverride`, in the body or the path), then the hooks' `onAttempt` run (the
 * backend's credential, …). Retries and fallback to another provider each get their own call,
 * so each attempt carries the right key and name. The backend is found from the
 * `xds.cluster_name` attribute, by the names the generated Envoy config gives clusters.
 * A hook that changed the attempt's request into another API (translation) rewrites its
 * response back, chunk by chunk (response body switched to STREAMED).
 */
import type { Logger } from 'pino';
import type { ApiMatch } from '../apis/api.js';
import { detectApi } from '../apis/registry.js';
import { rewriteRequest } from '../apis/request-rewrite.js';
import { isUserFacing, type UserFacingError } from '../errors.js';
import { mergeHeaderChanges } from '../hooks/header-changes.js';
import { isAnswer, type AttemptResponseRewrite, type AttemptResponseRewriter, type HookAttempt, type LocalResponse } from '../hooks/hook.js';
import type { HeaderChanges, PhaseMessage, PhaseReply } from '../hooks/phase.js';
import type { Generation } from './generation.js';
import { continueReply, errorReply, localReply } from './replies.js';

/** The attribute an upstream-level filter is configured to send (`request_attributes`). */
export const CLUSTER_ATTRIBUTE = 'xds.cluster_name';

/** The cluster name when `msg` comes from an upstream-level filter, else undefined. */
export function upstreamCluster(msg: PhaseMessage): string | undefined {
  const v = msg.attributes?.[CLUSTER_ATTRIBUTE];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** One upstream attempt. */
export class UpstreamCall {
  private attempt: Omit<HookAttempt, 'body' | 'stage'> | undefined;
  private match: ApiMatch | undefined;
  /** The body is held for a hook that needs it or a model rename in it. */
  private holdBody = false;
  private body: Buffer[] = [];
  /** `:path` with the URL model renamed, when it was. */
  private renamedPath: string | undefined;
  /** The response rewrite a hook chose for this attempt (translation), and its rewriter once the response started. */
  private rewrite: AttemptResponseRewrite | undefined;
  private rewriter: AttemptResponseRewriter | undefined;

  constructor(
    private readonly generation: Generation,
    private readonly cluster: string,
    private readonly logger: Logger,
  ) {}

  /** Handles one message of the attempt. */
  async handle(msg: PhaseMessage): Promise<PhaseReply[]> {
    switch (msg.phase) {
      case 'requestHeaders': {
        const headers = { ...msg.headers };
        const cfg = this.generation.config;
        const backend = this.generation.backendOfAttempt?.(this.cluster, msg.attributes) ?? this.generation.backendOfCluster.get(this.cluster);
        const method = headers[':method'] ?? 'GET';
        const path = headers[':path'] ?? '/';
        this.match = detectApi(method, path, { pathPrefix: cfg.apis.pathPrefix });
        const override = backend?.modelNameOverride || undefined;
        if (override !== undefined && this.match) this.renamedPath = rewriteRequest(this.match, path, undefined, { model: override }).path;
        const api = this.match?.api;
        this.attempt = {
          cluster: this.cluster,
          backend,
          method,
          path: this.renamedPath ?? path,
          headers,
          rule: headers[cfg.selectedRouteHeaderKey],
          api: api ? { id: api.id, provider: api.provider, operation: api.operation, errorShape: api.errorShape } : undefined,
          config: cfg,
        };
        const renamesBody = override !== undefined && api?.modelSource === 'body';
        this.holdBody = !msg.endOfStream && (renamesBody || this.generation.hooks.some((h) => h.onAttempt && h.attemptNeedsBody?.(this.attempt!) === true));
        return [await this.run('requestHeaders', msg.endOfStream ? Buffer.alloc(0) : undefined, undefined)];
      }
      case 'requestBody': {
        if (!this.holdBody) return [continueReply('requestBody')];
        this.body.push(msg.body ?? Buffer.alloc(0));
        if (!msg.endOfStream) return [continueReply('requestBody')];
        this.holdBody = false;
        const received = Buffer.concat(this.body);
        this.body = [];
        const override = this.attempt?.backend?.modelNameOverride || undefined;
        const renamed = override !== undefined && this.match ? rewriteRequest(this.match, this.attempt!.path, received, { model: override }).body : undefined;
        return [await this.run('requestBody', renamed ?? received, renamed)];
      }
      case 'responseHeaders':
        return [this.onResponseHeaders(msg)];
      case 'responseBody':
        if (!this.rewriter) return [continueReply('responseBody')];
        return [continueReply('responseBody', { body: this.rewriter.push(msg.body ?? Buffer.alloc(0), msg.endOfStream) })];
      default:
        return [continueReply(msg.phase)];
    }
  }

  /**
   * The attempt's response headers (when the filter sends them): the hooks' `onAttemptResponse`
   * read the provider's answer as it came; a hook that changed the request into another API
   * (translation) rewrites the response back, its body then streamed through it chunk by chunk.
   */
  private onResponseHeaders(msg: PhaseMessage): PhaseReply {
    const attempt = this.attempt;
    if (!attempt) return continueReply('responseHeaders');
    const headers = msg.headers ?? {};
    const res = { status: Number(headers[':status'] ?? 0), headers };
    this.rewriter = this.rewrite?.(res.status, headers);
    const changes: Array<HeaderChanges | undefined> = [this.rewriter?.headers];
    for (const hook of this.generation.hooks) {
      if (!hook.onAttemptResponse) continue;
      try {
        const c = hook.onAttemptResponse(res, attempt);
        if (c) changes.push(c);
      } catch (err) {
        // The response goes on unchanged by this hook: Envoy's own retry policy still applies.
        this.logger.error({ err, hook: hook.name, cluster: this.cluster }, 'attempt response hook failed');
      }
    }
    const merged = mergeHeaderChanges(changes);
    return continueReply('responseHeaders', { ...(merged ? { headers: merged } : {}), ...(this.rewriter ? { responseBodyMode: 'STREAMED' as const } : {}) });
  }

  /** Runs the attempt hooks at the stage of `phase`; `changedBody`: the body was already changed (renamed model). */
  private async run(phase: 'requestHeaders' | 'requestBody', body: Buffer | undefined, changedBody: Buffer | undefined): Promise<PhaseReply> {
    const stage = phase === 'requestHeaders' ? 'headers' : 'body';
    const attempt: HookAttempt = { ...this.attempt!, stage, body };
    // The renamed path goes in the headers reply; at the body stage it is already set.
    const changes: Array<HeaderChanges | undefined> = [stage === 'headers' && this.renamedPath !== undefined ? { set: [[':path', this.renamedPath]] } : undefined];
    let current: HookAttempt = attempt;
    let newBody = changedBody;
    for (const hook of this.generation.hooks) {
      if (!hook.onAttempt) continue;
      let result;
      try {
        result = await hook.onAttempt(current);
      } catch (err) {
        if (isUserFacing(err)) return this.answer(err);
        throw err;
      }
      if (!result) continue;
      if (isAnswer(result)) return this.answer(result.answer);
      if (result.headers) {
        changes.push(result.headers);
        const path = result.headers.set?.find(([k]) => k === ':path')?.[1];
        if (path !== undefined) current = { ...current, path };
      }
      if (result.body) {
        newBody = result.body;
        current = { ...current, body: result.body };
      }
      if ('rewriteResponse' in result && result.rewriteResponse) this.rewrite = result.rewriteResponse;
    }
    if (newBody) changes.push({ set: [['content-length', String(newBody.length)]] });
    const headers = mergeHeaderChanges(changes);
    if (!headers && !newBody) return continueReply(phase);
    return continueReply(phase, { ...(headers ? { headers } : {}), ...(newBody ? { body: newBody } : {}) });
  }

  private answer(answer: UserFacingError | LocalResponse): PhaseReply {
    if (isUserFacing(answer)) {
      this.logger.warn({ cluster: this.cluster, code: answer.code }, 'upstream attempt refused');
      return errorReply(this.match?.api.errorShape ?? 'openai', answer);
    }
    return localReply(answer);
  }
}
