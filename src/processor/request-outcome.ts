/**
 * The outcome of one request, built once when it ends: what the request asked for and was sent
 * (from the request as hooks saw it), how it ended, and the ids and caller.
 */
import type { HookRequest } from '../hooks/hook.js';
import type { RequestOutcome } from '../hooks/outcome.js';
import { providerFor } from '../metrics/genai-metrics.js';

/** How a request ended, as the processor and the response side report it. */
export interface RequestEnd {
  readonly status: number;
  readonly errorType?: string;
  readonly info?: RequestOutcome['info'];
  readonly ttftMs?: number;
  readonly costUsd?: number | null;
  readonly costSavedUsd?: number | null;
  readonly answeredBy?: string;
}

/** What else the outcome needs. */
export interface OutcomeFacts {
  /** The detected API's id and default provider; undefined for a path that is no LLM API. */
  readonly api: { readonly id: string; readonly provider: string } | undefined;
  /** The backend that served the request, or the rule's. */
  readonly backend: string | undefined;
  /** The provider that served the request when a translated attempt named it (else derived from API and backend). */
  readonly provider?: string | undefined;
  readonly durationMs: number;
  readonly ids: { readonly requestId: string; readonly traceId: string } | undefined;
}

/** True when `end` is a success (2xx without an error type). */
export function succeeded(end: RequestEnd): boolean {
  return end.errorType === undefined && end.status >= 200 && end.status < 300;
}

/** The outcome of `req`, ended as `end`. */
export function requestOutcome(req: HookRequest, end: RequestEnd, facts: OutcomeFacts): RequestOutcome {
  const provider = facts.provider ?? providerFor(facts.api?.provider, facts.backend);
  return {
    api: facts.api?.id,
    method: req.method,
    path: req.path,
    model: req.model,
    ...(req.sentModel !== undefined ? { sentModel: req.sentModel } : {}),
    rule: req.rule,
    ...(facts.backend !== undefined ? { backend: facts.backend } : {}),
    ...(provider !== undefined ? { provider } : {}),
    stream: req.stream,
    status: end.status,
    errorType: succeeded(end) ? undefined : (end.errorType ?? String(end.status)),
    durationMs: facts.durationMs,
    ...(end.ttftMs !== undefined ? { ttftMs: end.ttftMs } : {}),
    info: end.info,
    ...(facts.ids ? { requestId: facts.ids.requestId, traceId: facts.ids.traceId } : {}),
    ...(req.caller ? { key: req.caller } : {}),
    ...(end.costUsd !== undefined ? { costUsd: end.costUsd } : {}),
    ...(end.costSavedUsd !== undefined ? { costSavedUsd: end.costSavedUsd } : {}),
    ...(end.answeredBy !== undefined ? { answeredBy: end.answeredBy } : {}),
  };
}
