/**
 * Translation as a request-path hook, on the per-attempt (upstream) path: once Envoy picked the
 * attempt's backend, a request whose API the backend does not speak (its `schema`, AI Gateway
 * v0.2 semantics) is rewritten for that backend — path, headers, body — and the attempt's
 * response is rewritten back into the client's API, chunk by chunk. Retries and fallbacks to
 * another provider are attempts of their own, each translated for its backend. It runs before
 * the credentials hook, so a SigV4 signature covers the translated path and body.
 */
import type { Logger } from 'pino';
import { clientError } from '../error-catalogue.js';
import { SERVED_PROVIDER_HEADER, type AttemptResponseRewriter, type Hook, type HookAttempt } from '../hooks/hook.js';
import type { ResponseTranslator, TranslationEnv } from './contract.js';
import { planTranslation, type TranslationPlan } from './plan.js';
import { providerOfTarget } from './target-paths.js';

function planOf(attempt: Omit<HookAttempt, 'body' | 'stage'>, env: TranslationEnv): TranslationPlan | undefined {
  return attempt.api === undefined ? undefined : planTranslation(attempt.api.id, attempt.backend, { inputSchema: attempt.config.schema.name, env });
}

/** The translation hook (`env`: injected clock and ids, for tests). */
export function translationHook(logger: Logger, env: TranslationEnv = {}): Hook {
  return {
    name: 'translation',
    attemptNeedsBody(attempt) {
      return planOf(attempt, env)?.kind === 'translate';
    },
    onAttempt(attempt) {
      const plan = planOf(attempt, env);
      if (plan === undefined || plan.kind === 'none') return undefined;
      if (plan.kind === 'unsupported') {
        if (attempt.stage !== 'headers') return undefined;
        logger.warn({ cluster: attempt.cluster, api: attempt.api?.id, reason: plan.reason }, 'request cannot be translated for this backend');
        return { answer: clientError('untranslatable_request', { reason: plan.reason }) };
      }
      // The body is held for this hook: everything happens at the body stage.
      if (attempt.stage !== 'body' || attempt.body === undefined) return undefined;
      const model = attempt.backend?.modelNameOverride || undefined;
      const outcome = plan.translator.translate({ path: attempt.path, headers: attempt.headers, body: attempt.body, ...(model !== undefined ? { model } : {}) });
      if (!outcome.ok) {
        return { answer: { status: outcome.status, headers: Object.entries(outcome.headers), body: Buffer.from(outcome.body, 'utf8'), details: 'translation_refused' } };
      }
      const request = outcome.request;
      const provider = providerOfTarget(plan.translator.target);
      return {
        headers: { set: [[':path', request.path], ...request.headers.set], remove: request.headers.remove },
        body: request.body,
        rewriteResponse: (status, headers) => namingProvider(request.responseTranslator(status, headers), provider),
      };
    },
  };
}

/** `rt`, its header changes also naming the provider that served the attempt for the router level. */
function namingProvider(rt: ResponseTranslator, provider: string): AttemptResponseRewriter {
  return {
    headers: { set: [...rt.headers.set, [SERVED_PROVIDER_HEADER, provider]], remove: rt.headers.remove },
    push: (chunk, end) => rt.push(chunk, end),
  };
}
