/**
 * Applies the prompt-cache hints of one provider dialect to a request, as that provider documents
 * them, leaving every hint the client set itself:
 *
 * | dialect | API | hint |
 * |---|---|---|
 * | `openai` | chat completions, responses | body `prompt_cache_key`, `prompt_cache_retention` |
 * | `openai-compatible` | chat completions, responses | body `prompt_cache_key` |
 * | `xai` | chat completions / responses | header `x-grok-conv-id` / body `prompt_cache_key` |
 * | `fireworks` | any | headers `x-session-affinity`, `x-prompt-cache-isolation-key` |
 * | `anthropic` | messages | `cache_control` on the last tool and last system block |
 * | `bedrock` | InvokeModel (Claude body) / Converse | `cache_control` as Anthropic / `cachePoint` blocks |
 *
 * The body is rewritten only when a hint is added: top-level members are spliced in (the rest of
 * the bytes untouched); breakpoints need a re-serialisation of the parsed body.
 */
import type { PromptCachingConfig } from '../config/prompt-caching-schema.js';
import { addCacheControl, addCachePoints } from './breakpoints.js';
import { cacheKey, opaqueKey } from './cache-key.js';
import { insertTopLevel } from './top-level-insert.js';

/** A provider dialect of prompt-cache hints. */
export type CacheDialect = NonNullable<PromptCachingConfig['provider']>;

/** What the hints are computed from. */
export interface HintInput {
  readonly apiId: string;
  /** The body as it would go upstream. */
  readonly body: Buffer;
  /** Client request headers (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
  readonly project: string | undefined;
  readonly traceId: string | undefined;
  /** A cache key computed earlier (per attempt: the router level's), used instead of deriving one. */
  readonly key?: string | undefined;
}

/** Headers to set and the new body (absent: unchanged). */
export interface HintResult {
  readonly set: Array<readonly [string, string]>;
  readonly body?: Buffer;
}

const NONE: HintResult = { set: [] };

function isChat(apiId: string): boolean {
  return apiId.endsWith('chat_completions');
}

function isResponses(apiId: string): boolean {
  return apiId.endsWith('.responses');
}

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The cache key `cfg` gives a request (undefined: its source is missing, or the body is no JSON object). */
export function keyOf(cfg: PromptCachingConfig, input: HintInput): string | undefined {
  const parsed = parseObject(input.body);
  return parsed ? cacheKey(cfg.key, { apiId: input.apiId, body: parsed, project: input.project, traceId: input.traceId }) : undefined;
}

/** The hints of `dialect` for one request (never throws: a body that is not a JSON object gets none). */
export function applyCacheHints(cfg: PromptCachingConfig, dialect: CacheDialect, input: HintInput): HintResult {
  if (cfg.mode !== 'auto') return NONE;
  const parsed = parseObject(input.body);
  if (!parsed) return NONE;
  const key = () => input.key ?? cacheKey(cfg.key, { apiId: input.apiId, body: parsed, project: input.project, traceId: input.traceId });
  const bp = { ...cfg.breakpoints, minTokens: cfg.minTokens };
  switch (dialect) {
    case 'openai':
    case 'openai-compatible': {
      if (!isChat(input.apiId) && !isResponses(input.apiId)) return NONE;
      const members: Array<readonly [string, unknown]> = [];
      const k = Object.hasOwn(parsed, 'prompt_cache_key') ? undefined : key();
      if (k !== undefined) members.push(['prompt_cache_key', k]);
      if (dialect === 'openai' && cfg.retention && !Object.hasOwn(parsed, 'prompt_cache_retention')) members.push(['prompt_cache_retention', cfg.retention]);
      const body = insertTopLevel(input.body, members);
      return body ? { set: [], body } : NONE;
    }
    case 'xai': {
      if (isResponses(input.apiId)) {
        const k = Object.hasOwn(parsed, 'prompt_cache_key') ? undefined : key();
        const body = k === undefined ? undefined : insertTopLevel(input.body, [['prompt_cache_key', k]]);
        return body ? { set: [], body } : NONE;
      }
      if (!isChat(input.apiId) || input.headers['x-grok-conv-id'] !== undefined) return NONE;
      const k = key();
      return k === undefined ? NONE : { set: [['x-grok-conv-id', k]] };
    }
    case 'fireworks': {
      const set: Array<readonly [string, string]> = [];
      const clientAffinity = input.headers['x-session-affinity'] !== undefined || Object.hasOwn(parsed, 'prompt_cache_key') || Object.hasOwn(parsed, 'user');
      const k = clientAffinity ? undefined : key();
      if (k !== undefined) set.push(['x-session-affinity', k]);
      const clientIsolation = input.headers['x-prompt-cache-isolation-key'] !== undefined || Object.hasOwn(parsed, 'prompt_cache_isolation_key');
      if (cfg.isolation === 'project' && input.project !== undefined && !clientIsolation) {
        set.push(['x-prompt-cache-isolation-key', `p-${opaqueKey('project', input.project)}`]);
      }
      return { set };
    }
    case 'anthropic':
      if (input.apiId !== 'anthropic.messages' && input.apiId !== 'vertex_ai.anthropic_messages') return NONE;
      return addCacheControl(parsed, bp) ? { set: [], body: Buffer.from(JSON.stringify(parsed), 'utf8') } : NONE;
    case 'bedrock':
      if (input.apiId === 'bedrock.converse') {
        return addCachePoints(parsed, bp) ? { set: [], body: Buffer.from(JSON.stringify(parsed), 'utf8') } : NONE;
      }
      // InvokeModel bodies are model-specific: only Claude's (it carries anthropic_version) takes cache_control.
      if (input.apiId !== 'bedrock.invoke' || !Object.hasOwn(parsed, 'anthropic_version')) return NONE;
      return addCacheControl(parsed, bp) ? { set: [], body: Buffer.from(JSON.stringify(parsed), 'utf8') } : NONE;
  }
}
