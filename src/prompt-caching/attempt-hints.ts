/**
 * Prompt-cache hints per upstream attempt, for rules that have a backend reached by translation
 * (its `schema` is not the client's API: see docs/translation.md). The router level cannot know
 * which backend an attempt goes to, and a hint written in one API's dialect is wrong for another
 * — or refused by the translation (`prompt_cache_key` has no Anthropic equivalent). So for such
 * rules the router level adds no hint; it only computes the cache key (which may come from the
 * caller's project or trace, known only there) and passes it in {@link CACHE_KEY_HEADER}. Each
 * attempt removes that header and, once the translation rewrote path and body, adds the hints of
 * the API the body is sent in: `cache_control` breakpoints for Anthropic Messages (API, Vertex
 * AI, Claude on Bedrock InvokeModel), `cachePoint` blocks for Bedrock Converse,
 * `prompt_cache_key` (with the router level's key) for OpenAI-compatible servers; none for
 * Gemini and Azure OpenAI, which have no per-request hint.
 */
import type { Logger } from 'pino';
import { detectApi } from '../apis/registry.js';
import type { PromptCachingConfig } from '../config/prompt-caching-schema.js';
import type { Config } from '../config/schema.js';
import type { HookAttempt } from '../hooks/hook.js';
import { planTranslation } from '../translation/plan.js';
import { applyCacheHints, type CacheDialect, type HintResult } from './cache-hints.js';

/** Internal request header carrying the router level's cache key to the attempts (never sent upstream). */
export const CACHE_KEY_HEADER = 'x-llm-extproc-prompt-cache-key';

/** Dialects by the family of API they are written in. */
const FAMILY: Readonly<Record<CacheDialect, 'openai' | 'anthropic' | 'bedrock'>> = {
  openai: 'openai',
  'openai-compatible': 'openai',
  xai: 'openai',
  fireworks: 'openai',
  anthropic: 'anthropic',
  bedrock: 'bedrock',
};

/** True when a backend of `rule` is reached by translation from API `apiId`: then hints are added per attempt. */
export function hintsPerAttempt(config: Config, rule: string | undefined, apiId: string): boolean {
  const r = rule === undefined ? undefined : config.rules.find((x) => x.name === rule);
  return r !== undefined && r.backends.some((b) => planTranslation(apiId, b, { inputSchema: config.schema.name }).kind === 'translate');
}

/** The `promptCaching` of a rule at the router level: its single backend's, else the rule's. */
export function ruleCaching(config: Config, rule: string | undefined): PromptCachingConfig | undefined {
  const r = rule === undefined ? undefined : config.rules.find((x) => x.name === rule);
  const backend = r && r.backends.length === 1 ? r.backends[0] : undefined;
  return backend?.promptCaching ?? r?.promptCaching;
}

/** The `promptCaching` of an attempt: its backend's own, else the rule's. */
export function attemptCaching(attempt: Pick<HookAttempt, 'backend' | 'rule' | 'config'>): PromptCachingConfig | undefined {
  return attempt.backend?.promptCaching ?? attempt.config.rules.find((r) => r.name === attempt.rule)?.promptCaching;
}

/**
 * The dialect of the API a body is sent in (`apiId`, detected on the attempt's path): the
 * configured `provider` when it writes that API, else the API's own dialect; none for APIs
 * without per-request hints (Gemini, Vertex AI Gemini, Azure OpenAI).
 */
export function sentDialect(cfg: PromptCachingConfig, apiId: string): CacheDialect | undefined {
  const family = apiId.startsWith('openai.') ? 'openai' : apiId === 'anthropic.messages' || apiId === 'vertex_ai.anthropic_messages' ? 'anthropic' : apiId.startsWith('bedrock.') ? 'bedrock' : undefined;
  if (family === undefined) return undefined;
  return cfg.provider !== undefined && FAMILY[cfg.provider] === family ? cfg.provider : family;
}

/**
 * The hints for one attempt at stage `body` (its path and body as translated), or undefined.
 * Never throws.
 */
export function attemptHints(attempt: HookAttempt, logger: Logger): HintResult | undefined {
  const cfg = attemptCaching(attempt);
  if (!cfg || cfg.mode !== 'auto' || !attempt.body?.length) return undefined;
  const apiId = detectApi(attempt.method, attempt.path, { pathPrefix: attempt.config.apis.pathPrefix })?.api.id;
  const dialect = apiId === undefined ? undefined : sentDialect(cfg, apiId);
  if (apiId === undefined || dialect === undefined) return undefined;
  try {
    const result = applyCacheHints(cfg, dialect, { apiId, body: attempt.body, headers: attempt.headers, project: undefined, traceId: undefined, key: attempt.headers[CACHE_KEY_HEADER] });
    return result.set.length || result.body ? result : undefined;
  } catch (err) {
    logger.warn({ err: { message: (err as Error).message }, rule: attempt.rule, backend: attempt.backend?.name }, 'prompt caching hints skipped');
    return undefined;
  }
}
