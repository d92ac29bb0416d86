/**
 * The prompt-caching step of a routed request (after the access step): finds the
 * `promptCaching` config of the rule (or of its single backend, which wins), decides the provider
 * dialect, and returns the cache hints to add (see src/prompt-caching/cache-hints.ts).
 *
 * Dialect: `promptCaching.provider` when set; else from the backend's `schema.name`
 * (OpenAI → openai, Anthropic/GCPAnthropic → anthropic, AWSBedrock → bedrock); else from the
 * detected client API (openai.* → openai, anthropic.messages → anthropic, bedrock.* → bedrock).
 * Fireworks, xAI and other OpenAI-compatible servers speak the OpenAI schema, so they need the override.
 */
import type { Logger } from 'pino';
import type { PromptCachingConfig } from '../config/prompt-caching-schema.js';
import { applyCacheHints, type CacheDialect, type HintInput, type HintResult } from '../prompt-caching/cache-hints.js';
import type { Generation } from './generation.js';

const BY_SCHEMA: Readonly<Record<string, CacheDialect>> = { OpenAI: 'openai', Anthropic: 'anthropic', GCPAnthropic: 'anthropic', AWSBedrock: 'bedrock' };

/** The dialect for a request of API `apiId` whose backend schema is `schemaName`. */
export function dialectFor(cfg: PromptCachingConfig, schemaName: string | undefined, apiId: string): CacheDialect | undefined {
  if (cfg.provider) return cfg.provider;
  if (schemaName !== undefined) return BY_SCHEMA[schemaName];
  if (apiId.startsWith('openai.')) return 'openai';
  if (apiId === 'anthropic.messages') return 'anthropic';
  if (apiId.startsWith('bedrock.')) return 'bedrock';
  return undefined;
}

/** Runs the step for a request routed to `rule`; undefined when nothing applies. Never throws. */
export function runPromptCachingStep(gen: Generation, rule: string | undefined, input: HintInput, logger: Logger): HintResult | undefined {
  const r = rule === undefined ? undefined : gen.config.rules.find((x) => x.name === rule);
  const backend = r && r.backends.length === 1 ? r.backends[0] : undefined;
  const cfg = backend?.promptCaching ?? r?.promptCaching;
  if (!cfg || cfg.mode === 'off') return undefined;
  const dialect = dialectFor(cfg, (backend ?? r?.backends[0])?.schema?.name, input.apiId);
  if (!dialect) return undefined;
  try {
    const result = applyCacheHints(cfg, dialect, input);
    return result.set.length || result.body ? result : undefined;
  } catch (err) {
    logger.warn({ err: { message: (err as Error).message }, rule }, 'prompt caching hints skipped');
    return undefined;
  }
}
