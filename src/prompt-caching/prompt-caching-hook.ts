/**
 * Prompt caching as a hook, on routed requests whose whole body the gateway sees: finds the
 * `promptCaching` config of the rule (or of its single backend, which wins), decides the provider
 * dialect, and returns the cache hints to add (see src/prompt-caching/cache-hints.ts). For a rule
 * with a backend reached by translation, the hints are added per attempt instead, in the dialect
 * of the body the attempt sends (see src/prompt-caching/attempt-hints.ts).
 *
 * Dialect: `promptCaching.provider` when set; else from the backend's `schema.name`
 * (OpenAI → openai, Anthropic/GCPAnthropic → anthropic, AWSBedrock/AWSAnthropic → bedrock); else from the
 * detected client API (openai.* → openai, anthropic.messages → anthropic, bedrock.* → bedrock).
 * Fireworks, xAI and other OpenAI-compatible servers speak the OpenAI schema, so they need the override.
 */
import type { Logger } from 'pino';
import type { PromptCachingConfig } from '../config/prompt-caching-schema.js';
import type { Config } from '../config/schema.js';
import type { Hook } from '../hooks/hook.js';
import { attemptCaching, attemptHints, CACHE_KEY_HEADER, hintsPerAttempt, ruleCaching } from './attempt-hints.js';
import { applyCacheHints, keyOf, type CacheDialect, type HintInput, type HintResult } from './cache-hints.js';

const BY_SCHEMA: Readonly<Record<string, CacheDialect>> = { OpenAI: 'openai', Anthropic: 'anthropic', GCPAnthropic: 'anthropic', AWSBedrock: 'bedrock', AWSAnthropic: 'bedrock' };

/** The dialect for a request of API `apiId` whose backend schema is `schemaName`. */
export function dialectFor(cfg: PromptCachingConfig, schemaName: string | undefined, apiId: string): CacheDialect | undefined {
  if (cfg.provider) return cfg.provider;
  if (schemaName !== undefined) return BY_SCHEMA[schemaName];
  if (apiId.startsWith('openai.')) return 'openai';
  if (apiId === 'anthropic.messages') return 'anthropic';
  if (apiId.startsWith('bedrock.')) return 'bedrock';
  return undefined;
}

/** The hints for a request routed to `rule`; undefined when nothing applies. Never throws. */
export function cacheHintsFor(config: Config, rule: string | undefined, input: HintInput, logger: Logger): HintResult | undefined {
  const cfg = ruleCaching(config, rule);
  if (!cfg || cfg.mode === 'off') return undefined;
  const r = config.rules.find((x) => x.name === rule);
  const dialect = dialectFor(cfg, r?.backends[0]?.schema?.name, input.apiId);
  if (!dialect) return undefined;
  try {
    const result = applyCacheHints(cfg, dialect, input);
    return result.set.length || result.body ? result : undefined;
  } catch (err) {
    logger.warn({ err: { message: (err as Error).message }, rule }, 'prompt caching hints skipped');
    return undefined;
  }
}

/** The prompt-caching hook of `config`. */
export function promptCachingHook(config: Config, logger: Logger): Hook {
  return {
    name: 'prompt-caching',
    onRequest(req) {
      // Only the router level names the key for the attempts: a client's copy goes.
      const remove = req.headers[CACHE_KEY_HEADER] !== undefined ? [CACHE_KEY_HEADER] : [];
      const spoofed = remove.length > 0 ? { headers: { remove } } : undefined;
      if (req.kind !== 'routed' || !req.api || !req.body?.length) return spoofed;
      const input = { apiId: req.api.id, body: req.body, headers: req.headers, project: req.caller?.project, traceId: req.traceId };
      if (hintsPerAttempt(config, req.rule, req.api.id)) {
        const cfg = ruleCaching(config, req.rule);
        const key = cfg?.mode === 'auto' ? keyOf(cfg, input) : undefined;
        return key !== undefined ? { headers: { set: [[CACHE_KEY_HEADER, key]] } } : spoofed;
      }
      const hints = cacheHintsFor(config, req.rule, input, logger);
      if (!hints) return spoofed;
      return { headers: { set: hints.set, remove }, ...(hints.body ? { body: hints.body } : {}) };
    },
    attemptNeedsBody(attempt) {
      return attempt.api !== undefined && hintsPerAttempt(config, attempt.rule, attempt.api.id) && attemptCaching(attempt)?.mode === 'auto';
    },
    onAttempt(attempt) {
      if (attempt.stage === 'headers') return attempt.headers[CACHE_KEY_HEADER] !== undefined ? { headers: { remove: [CACHE_KEY_HEADER] } } : undefined;
      if (!attempt.api || !hintsPerAttempt(config, attempt.rule, attempt.api.id)) return undefined;
      const hints = attemptHints(attempt, logger);
      if (!hints) return undefined;
      return { ...(hints.set.length ? { headers: { set: hints.set } } : {}), ...(hints.body ? { body: hints.body } : {}) };
    },
  };
}
