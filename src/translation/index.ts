/**
 * Translation between client and provider APIs (Envoy AI Gateway v0.2 `schema` semantics), for
 * the per-attempt (upstream) request path:
 *
 * 1. {@link planTranslation}(api id, picked backend) once the attempt's backend is known;
 * 2. on `translate`: `plan.translator.translate({ path, headers, body, model })` with the whole
 *    request body — a rewritten request (path, header changes, body) or a refusal to answer
 *    in the client's error shape;
 * 3. at the response headers: `request.responseTranslator(status, headers)`, whose header
 *    changes go on the response and whose `push(chunk, end)` rewrites each body chunk.
 */
export type {
  ClientFamily,
  HeaderChanges,
  PairTranslator,
  RequestInput,
  RequestOutcome,
  ResponseTranslator,
  TargetKind,
  TranslatedRequest,
  TranslationEnv,
  TranslationTarget,
} from './contract.js';
export { clientFamilyOf, planTranslation, targetOf, type PlanOptions, type TranslationPlan } from './plan.js';
export { openAiChatTranslator } from './openai-chat-pairs.js';
export { anthropicTranslator } from './anthropic-pairs.js';
