/**
 * Resilience as a request-path hook (see docs/operations.md):
 *
 * - `onRequest` (router level, routed requests): a rule's CORS narrowing (403), then the circuit
 *   breakers — the surviving backend set is written into the header Envoy's route variants match
 *   on, or the fast 503 with `retry-after` answers when no backend is left;
 * - `onAttempt`: the backends header is routing information for Envoy, not for providers;
 * - `onAttemptResponse` (each upstream attempt): the provider's rate-limit wait, normalised for
 *   Envoy's retry (or a stop), the attempt's status into its backend's breaker, and the backend's
 *   name for the router level;
 * - `onResponseHeaders`: the headers added for Envoy are removed before the client;
 * - `onOutcome`: a single-backend rule's request whose status no attempt reported (Envoy's own
 *   503 after a connect failure, or no per-attempt call configured) counts for that backend.
 */
import type { Config } from '../config/schema.js';
import type { Hook } from '../hooks/hook.js';
import type { BreakerBoard } from './breaker-board.js';
import { BACKENDS_HEADER } from './backend-sets.js';
import { admitRequest, onAttemptResponse, onFinalResponse } from './resilience-steps.js';

/** Per-request state of the hook. */
interface RequestState {
  rule: string;
  /** The backend named by an attempt's response, when one was. */
  served?: string;
}

/** The resilience hook of `config`; `board`: this replica's breakers (absent: no breakers). */
export function resilienceHook(config: Config, board: BreakerBoard | undefined, now: () => number = Date.now): Hook {
  const breakers = config.resilience.breaker.enabled ? board : undefined;
  return {
    name: 'resilience',
    onRequest(req) {
      const rule = req.kind === 'routed' ? config.rules.find((r) => r.name === req.rule) : undefined;
      if (!rule) {
        // Only llm-extproc names the backends left: a client's copy never reaches Envoy's routes.
        return req.headers[BACKENDS_HEADER] !== undefined ? { headers: { remove: [BACKENDS_HEADER] } } : undefined;
      }
      const admission = admitRequest(config, breakers, rule, { ...req.headers, ':method': req.method });
      const context: RequestState = { rule: rule.name };
      if (admission.kind === 'refuse') return { answer: admission.error, context };
      const { set, remove } = admission.headers;
      return set.length > 0 || remove.length > 0 ? { headers: { set, remove }, context } : { context };
    },
    onAttempt(attempt) {
      return attempt.stage === 'headers' && attempt.headers[BACKENDS_HEADER] !== undefined ? { headers: { remove: [BACKENDS_HEADER] } } : undefined;
    },
    onAttemptResponse(res, attempt) {
      const headers = { ...res.headers, ':status': String(res.status) };
      const out = onAttemptResponse(config, breakers, { rule: attempt.rule, clusterBackend: attempt.backend?.name }, headers, now());
      return out.headers.set.length > 0 || out.headers.remove.length > 0 ? { set: out.headers.set, remove: out.headers.remove } : undefined;
    },
    onResponseHeaders(res, _req, context) {
      const final = onFinalResponse(res.headers);
      if (final.backend !== undefined && context) (context as RequestState).served = final.backend;
      return final.remove.length > 0 ? { remove: final.remove } : undefined;
    },
    onOutcome(outcome, context) {
      const state = context as RequestState | undefined;
      if (!breakers || !state || state.served !== undefined || outcome.answeredBy !== undefined) return;
      const rule = config.rules.find((r) => r.name === state.rule);
      // Envoy's own 503 (connect failure, reset) carries no attempt response; with one backend it is that backend's.
      if (rule?.backends.length === 1 && outcome.status > 0) breakers.observe(rule.backends[0]!.name, outcome.status);
    },
  };
}
