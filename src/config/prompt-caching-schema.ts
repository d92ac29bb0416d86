/**
 * Config for prompt caching (`rules[].promptCaching`, `rules[].backends[].promptCaching`): the
 * provider cache hints we add to a request whose client did not set them. See docs/prompt-caching.md.
 */
import { z } from 'zod';

/** Where the cache key (OpenAI `prompt_cache_key`, Fireworks/xAI session header) comes from. */
export const cacheKeySourceSchema = z
  .strictObject({
    /** `static`: `value`; `project`: the gateway key's project; `trace`: the request's trace id; `prefix-hash`: sha256 of the stable prefix. */
    from: z.enum(['static', 'project', 'trace', 'prefix-hash']).default('prefix-hash'),
    /** The key for `from: static`. */
    value: z.string().min(1).max(256).optional(),
    /** `prefix-hash`: how many leading messages (after system prompt and tools) belong to the prefix. */
    messages: z.number().int().min(0).max(64).default(0),
  })
  .superRefine((k, ctx) => {
    if (k.from === 'static' && k.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'from: static needs a value' });
    if (k.from !== 'static' && k.value !== undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `value is used only with from: static (got from: ${k.from})` });
  });

/** Prompt caching of a rule or backend. */
export const promptCachingSchema = z.strictObject({
  mode: z.enum(['off', 'auto']).default('off'),
  /** Provider dialect; default from the backend's `schema.name` (see docs/prompt-caching.md). */
  provider: z.enum(['openai', 'anthropic', 'bedrock', 'fireworks', 'xai', 'openai-compatible']).optional(),
  /** OpenAI `prompt_cache_retention`. */
  retention: z.enum(['24h', 'in_memory']).optional(),
  key: cacheKeySourceSchema.prefault({}),
  /** Anthropic / Bedrock breakpoints (`cache_control` / `cachePoint`). */
  breakpoints: z
    .strictObject({
      system: z.boolean().default(true),
      tools: z.boolean().default(true),
      /** Most breakpoints a request may carry (Anthropic allows 4). */
      max: z.number().int().min(1).max(4).default(4),
    })
    .prefault({}),
  /** Minimum estimated tokens (chars/4) of the prefix before a breakpoint is placed (Anthropic: 1024 or more by model). */
  minTokens: z.number().int().min(0).default(1024),
  /** Fireworks `x-prompt-cache-isolation-key`: `project` isolates caches per gateway-key project. */
  isolation: z.enum(['none', 'project']).default('none'),
});

/** Parsed `promptCaching`. */
export type PromptCachingConfig = z.infer<typeof promptCachingSchema>;
