/**
 * The cache key a request is given (`prompt_cache_key`, `x-session-affinity`, `x-grok-conv-id`).
 * Keys derived from a project or a trace are hashed: the provider sees a stable opaque value,
 * never the project name or our trace id.
 */
import { createHash } from 'node:crypto';
import type { PromptCachingConfig } from '../config/prompt-caching-schema.js';
import { isEmptyPrefix, prefixHash, stablePrefix } from './stable-prefix.js';

/** Facts the key may be derived from. */
export interface KeyFacts {
  readonly apiId: string;
  /** The parsed request body. */
  readonly body: unknown;
  /** Project of the request's gateway key, when one was presented. */
  readonly project: string | undefined;
  /** W3C trace id of the request. */
  readonly traceId: string | undefined;
}

/** Opaque 32-hex-digit digest of `kind:value`. */
export function opaqueKey(kind: string, value: string): string {
  return createHash('sha256').update(`${kind}:${value}`).digest('hex').slice(0, 32);
}

/** The key for `cfg.key`, or undefined when its source is missing (no project, empty prefix, …). */
export function cacheKey(cfg: PromptCachingConfig['key'], facts: KeyFacts): string | undefined {
  switch (cfg.from) {
    case 'static':
      return cfg.value;
    case 'project':
      return facts.project === undefined ? undefined : `p-${opaqueKey('project', facts.project)}`;
    case 'trace':
      return facts.traceId === undefined ? undefined : `t-${opaqueKey('trace', facts.traceId)}`;
    case 'prefix-hash': {
      const prefix = stablePrefix(facts.apiId, facts.body, cfg.messages);
      return prefix && !isEmptyPrefix(prefix) ? `h-${prefixHash(prefix).slice(0, 32)}` : undefined;
    }
  }
}
