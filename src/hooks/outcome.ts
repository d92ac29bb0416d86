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
  readonly model: string | undefined;
  readonly rule: string | undefined;
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
}

/** Where processors report. Implementations must be cheap and must not throw. */
export interface RequestOutcomeSink {
  /** A request on a path we do not know, passed through untouched. */
  passthrough(): void;
  /** A routing decision was made. */
  decision(d: RouteDecisionRecord): void;
  /** A request finished (successfully or not). */
  completed(o: RequestOutcome): void;
}
