/**
 * What a finished request reports, for the service counters, the request log and the debug
 * ring of recent routing decisions.
 */
import type { ResponseInfo } from '../apis/api.js';

/** One routing decision (no bodies, no credentials). */
export interface RouteDecisionRecord {
  readonly model: string;
  readonly rule: string | undefined;
  readonly outcome: 'routed' | 'routed_fallback' | 'no_route' | 'router_failure';
  readonly latencyMs: number;
}

/** One finished request. */
export interface RequestOutcome {
  readonly api: string | undefined;
  readonly method: string;
  /** Path as sent (the request log strips the query). */
  readonly path: string;
  /** Model the client asked for. */
  readonly model: string | undefined;
  /** Model name sent upstream when a backend renamed it (`modelNameOverride`); absent when the client's was sent. */
  readonly sentModel?: string;
  readonly rule: string | undefined;
  /** Backend of the rule when it has exactly one, else its first (Envoy picks per attempt). */
  readonly backend?: string;
  /** `gen_ai.provider.name`: the backend's provider when known, else the API's. */
  readonly provider?: string;
  readonly stream: boolean;
  /** HTTP status the client got (0 when the stream ended without a response). */
  readonly status: number;
  readonly errorType: string | undefined;
  readonly durationMs: number;
  /** Time to first token, for streaming responses. */
  readonly ttftMs?: number;
  readonly info?: ResponseInfo | undefined;
  /** Request id (Envoy's `x-request-id` or ours) and the session/trace id (see request-ids.ts). */
  readonly requestId?: string;
  readonly traceId?: string;
  /** The gateway key that authenticated the request, when one did. */
  readonly key?: { readonly id: string; readonly project: string };
  /** Price of the request in USD: null when the model has no price; absent when not computed. */
  readonly costUsd?: number | null;
  /** The hook that answered the request itself (a refusal or a local response), when one did. */
  readonly answeredBy?: string;
}

/**
 * Where processors report routing events as they happen (service counters, the debug ring).
 * Finished requests go to the hooks' `onOutcome`. Implementations must be cheap and must not throw.
 */
export interface RequestEventSink {
  /** A request on a path we do not know, passed through untouched. */
  passthrough(): void;
  /** A routing decision was made. */
  decision(d: RouteDecisionRecord): void;
}
