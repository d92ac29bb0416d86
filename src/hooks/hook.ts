/**
 * The request-path hook contract. Everything that acts on a request after routing, or on its
 * response, is a {@link Hook} in a list built once per config generation (see
 * docs/architecture.md "Hooks"): request policy, gateway keys, budgets, rate limits, the response
 * cache, prompt caching, upstream credentials, the ledger, users' own hooks. The processor runs
 * the list in order and knows nothing of the features behind it.
 *
 * A hook implements any of the methods below; all are optional.
 *
 * | method | when | may |
 * |---|---|---|
 * | `onRequestHeaders` | request headers arrived, before the body and before routing | refuse |
 * | `onRequest` | the route is chosen (or known not to apply) and the body is in | change headers and body, set the caller, answer |
 * | `onForward` | every `onRequest` passed: the request goes upstream | count it |
 * | `onResponseHeaders` | response headers of a request this hook's `onRequest` saw | change response headers |
 * | `onResponseBody` | each response body chunk, as the client gets it | observe |
 * | `onOutcome` | once, when the request ended, after the reply went out | observe |
 * | `onAttempt` | per upstream attempt (upstream-level filter), backend known | change headers and body, rewrite the attempt's response, answer |
 * | `onAttemptResponse` | each attempt's response headers (upstream-level filter), before Envoy decides about a retry | change response headers |
 *
 * Per-request state: whatever `onRequest` returns as `context` is handed back to the same hook's
 * `onResponseHeaders`, `onResponseBody` and `onOutcome` for that request.
 */
import type { BackendConfig, Config } from '../config/schema.js';
import type { ErrorShape, ResponseInfo } from '../apis/api.js';
import type { UserFacingError } from '../errors.js';
import type { RequestOutcome } from './outcome.js';
import type { HeaderChanges, HeaderRecord } from './phase.js';

/** Per-minute limits a key or project carries in the key store. */
export interface CallerLimits {
  readonly requestsPerMinute?: number;
  readonly tokensPerMinute?: number;
}

/** The gateway key that authenticated a request. */
export interface Caller {
  /** Key id (never the secret). */
  readonly id: string;
  readonly project: string;
  /** The key's and its project's own rate limits (override the config's per-key / per-project limits). */
  readonly rateLimits?: { readonly key?: CallerLimits; readonly project?: CallerLimits };
}

/** The client API a request speaks, as hooks see it. */
export interface RequestApi {
  /** Stable id, e.g. `openai.chat_completions`. */
  readonly id: string;
  /** `gen_ai.provider.name` the API's SDK talks to (where its SDK sends the key). */
  readonly provider: string;
  /** `gen_ai.operation.name`. */
  readonly operation: string;
  /** Shape of error bodies its clients read. */
  readonly errorShape: ErrorShape;
}

/**
 * What kind of request the hooks are looking at:
 * - `routed`: an LLM API request the router sent to `rule`;
 * - `unrouted`: an LLM API request whose model is in a body the processor will not see
 *   (STREAMED body): Envoy's route table decides, `rule` is undefined;
 * - `listing`: the models list, answered by the processor itself once the hooks let it;
 * - `passthrough`: a path that is no LLM API, passed through untouched (`api` undefined).
 */
export type RequestKind = 'routed' | 'unrouted' | 'listing' | 'passthrough';

/** The request line and headers, before the body. */
export interface RequestStart {
  readonly method: string;
  /** `:path` as the client sent it. */
  readonly path: string;
  /** Client headers, lower-cased; the internal route and model headers already removed. */
  readonly headers: Readonly<HeaderRecord>;
  /** The detected API; undefined for a path that is no LLM API. */
  readonly api: RequestApi | undefined;
  /** The config generation this request runs on. */
  readonly config: Config;
}

/** A request at `onRequest`. */
export interface HookRequest extends RequestStart {
  readonly kind: RequestKind;
  /** Model the client asked for; undefined where not known (passthrough, unrouted without a URL model). */
  readonly model: string | undefined;
  /** The client asked for a streaming response. */
  readonly stream: boolean;
  /** The rule the router chose (routed requests only). */
  readonly rule: string | undefined;
  /** The backend when the rule has exactly one (else Envoy picks per attempt: see `onAttempt`). */
  readonly backend: BackendConfig | undefined;
  /** The model name sent upstream when the rule's backends rename it (`modelNameOverride`). */
  readonly sentModel: string | undefined;
  /** `:path` as it goes upstream (differs from `path` when the URL model was renamed). */
  readonly upstreamPath: string;
  /**
   * The body as it goes upstream, with earlier hooks' changes applied; undefined when the
   * processor does not see it (headers-only routing).
   */
  readonly body: Buffer | undefined;
  /** Request id (Envoy's `x-request-id` or ours) and session/trace id. */
  readonly requestId: string | undefined;
  readonly traceId: string | undefined;
  /** The authenticated caller, once a hook earlier in the list set it. */
  readonly caller: Caller | undefined;
}

/** A complete local response (e.g. a cache hit). */
export interface LocalResponse {
  readonly status: number;
  /** Response headers (lower-case names). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
  /** Short reason Envoy records (response code details). */
  readonly details: string;
  /**
   * What the request's outcome reports for this response (a cache hit: the original response's
   * usage, cost 0 and the cost saved); absent: status only.
   */
  readonly outcome?: LocalOutcome;
}

/** The usage and cost a local response reports in the request's outcome. */
export interface LocalOutcome {
  readonly info?: ResponseInfo;
  /** USD the request cost (0 for a cache hit). */
  readonly costUsd?: number | null;
  /** USD the response would have cost upstream (a cache hit: the original request's price). */
  readonly costSavedUsd?: number | null;
}

/** Continue with changes. */
export interface HookChanges {
  /** Header changes for the upstream request (merged in list order: see `mergeHeaderChanges`). */
  readonly headers?: HeaderChanges;
  /** A new body for the upstream request (`content-length` is set by the processor). */
  readonly body?: Buffer;
  /** The authenticated caller (later hooks, the outcome and the ledger see it). */
  readonly caller?: Caller;
  /** Handed back to this hook's response and outcome methods for this request. */
  readonly context?: unknown;
}

/** End the request here: an error in the client API's own shape, or a complete response. */
export interface HookAnswer {
  readonly answer: UserFacingError | LocalResponse;
  /** Handed back to this hook's `onOutcome` for this request. */
  readonly context?: unknown;
}

/** What `onRequest` returns: nothing (no change), changes, or an answer. */
export type RequestHookResult = HookChanges | HookAnswer | undefined | void;

/** What `onRequestHeaders` returns: nothing, or an answer (a refusal before the body is read). */
export type EarlyHookResult = HookAnswer | undefined | void;

/** Response headers, as hooks see them. */
export interface HookResponseStart {
  /** HTTP status from upstream (0 when unknown). */
  readonly status: number;
  /** Response headers, lower-cased. */
  readonly headers: Readonly<HeaderRecord>;
  /** The response streams (SSE, event stream, or a streaming request's 2xx). */
  readonly streaming: boolean;
}

/**
 * One upstream attempt (upstream-level filter: runs once per try, after Envoy picked the
 * cluster). `onAttempt` is called at stage `headers`, and again at stage `body` with the whole
 * body when some hook's `attemptNeedsBody` asked for it: a hook that needs the body does at
 * `headers` only what it can without it (remove headers) and the rest at `body`; a hook that
 * does not need it acts at `headers` and ignores `body`.
 */
export interface HookAttempt {
  readonly stage: 'headers' | 'body';
  /** Cluster Envoy picked. */
  readonly cluster: string;
  /** The backend behind it (undefined for a cluster the generated config does not name). */
  readonly backend: BackendConfig | undefined;
  readonly method: string;
  /** `:path` as it goes upstream, with earlier attempt hooks' renames applied. */
  readonly path: string;
  /** Request headers as the router-level filter left them. */
  readonly headers: Readonly<HeaderRecord>;
  /** The body as it goes upstream (stage `body`; an empty body at `headers` when the request has none), else undefined. */
  readonly body: Buffer | undefined;
  /** The rule chosen by the router-level call (from its route header). */
  readonly rule: string | undefined;
  /** The detected API. */
  readonly api: RequestApi | undefined;
  readonly config: Config;
}

/**
 * Response header through which an `onAttemptResponse` hook names the backend that served the
 * attempt (Envoy's priorities put several backends behind one cluster). The router-level
 * processor records it as the request's backend (usage, cost, ledger, metadata) and removes it
 * before the client sees the response.
 */
export const SERVED_BY_HEADER = 'x-llm-extproc-backend';

/**
 * Response header through which an attempt hook names the provider (`gen_ai.provider.name`)
 * whose API served the attempt, when it is not the one the client's API implies (the request
 * was translated for another provider). The router-level processor records it as the request's
 * provider (metrics, price lookup, ledger) and removes it before the client sees the response;
 * only the well-known provider names are taken.
 */
export const SERVED_PROVIDER_HEADER = 'x-llm-extproc-provider';

/** One attempt's response headers (upstream-level filter configured to send them). */
export interface HookAttemptResponse {
  /** HTTP status of the attempt. */
  readonly status: number;
  /** Response headers, lower-cased. */
  readonly headers: Readonly<HeaderRecord>;
}

/** The rewrite of one attempt's response: header changes, and each body chunk rewritten. */
export interface AttemptResponseRewriter {
  /** Response header changes (e.g. the client API's `content-type`; `content-length` removed). */
  readonly headers: HeaderChanges;
  /** The bytes the client gets for this chunk (possibly none); `endOfStream` marks the last. */
  push(chunk: Buffer, endOfStream: boolean): Buffer;
}

/**
 * Chosen at `onAttempt` by a hook that changed the request into another API (translation):
 * called at the attempt's response headers; returns the rewrite of that response, or undefined
 * to leave it as it is. The attempt's response body then streams through it chunk by chunk.
 */
export type AttemptResponseRewrite = (status: number, headers: Readonly<HeaderRecord>) => AttemptResponseRewriter | undefined;

/** What `onAttempt` returns. */
export type AttemptHookResult =
  | (Pick<HookChanges, 'headers' | 'body'> & {
      /** Rewrite this attempt's response (the last hook that sets one wins). */
      readonly rewriteResponse?: AttemptResponseRewrite;
    })
  | Pick<HookAnswer, 'answer'>
  | undefined
  | void;

/** One hook. Every method is optional; see the table at the top of this file. */
export interface Hook {
  /** Name for logs and metrics (`policy`, `keys`, or a user module's). */
  readonly name: string;
  onRequestHeaders?(req: RequestStart): EarlyHookResult | Promise<EarlyHookResult>;
  onRequest?(req: HookRequest): RequestHookResult | Promise<RequestHookResult>;
  /** Once every hook's `onRequest` passed and the request goes upstream (count it: keys, rate limits). */
  onForward?(req: HookRequest, context: unknown): void;
  onResponseHeaders?(res: HookResponseStart, req: HookRequest, context: unknown): HeaderChanges | undefined | void;
  onResponseBody?(chunk: Buffer, endOfStream: boolean, req: HookRequest, context: unknown): void;
  onOutcome?(outcome: RequestOutcome, context: unknown): void;
  /** True when `onAttempt` needs the request body for this attempt (it is then held until the end). */
  attemptNeedsBody?(attempt: Omit<HookAttempt, 'body' | 'stage'>): boolean;
  onAttempt?(attempt: HookAttempt): AttemptHookResult | Promise<AttemptHookResult>;
  /**
   * An attempt's response headers, before Envoy's router decides whether to retry: the changes
   * are what Envoy's retry logic, and then the router-level filter, see.
   */
  onAttemptResponse?(res: HookAttemptResponse, attempt: Omit<HookAttempt, 'body' | 'stage'>): HeaderChanges | undefined | void;
}

/** True when `r` is an answer. */
export function isAnswer<T extends object>(r: T | undefined | void): r is Extract<T, { readonly answer: unknown }> {
  return typeof r === 'object' && r !== null && 'answer' in r && (r as { answer?: unknown }).answer !== undefined;
}
