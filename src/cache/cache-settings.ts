/**
 * The response cache settings of each rule: the rule's own `cache` over the global one. A rule
 * absent from the map is not cached.
 */
import type { CacheConfig } from '../config/cache-schema.js';
import type { Config, RuleConfig } from '../config/schema.js';

/** The settings one rule's requests are cached with. */
export interface RuleCacheSettings {
  readonly ttlMs: number;
  readonly mode: 'always' | 'deterministic';
  readonly scope: 'project' | 'shared';
  readonly ignoreFields: readonly string[];
  /** `shared`: a streaming and a whole response of the same request share one entry (where the API allows). */
  readonly streamKeys: 'separate' | 'shared';
  readonly maxObjectBytes: number;
  readonly lookupTimeoutMs: number;
  readonly collapseWaitMs: number;
  readonly clientCredentials: boolean;
  /** The rule's backend names, in order (part of the key). */
  readonly backends: string;
  /** Every backend of the rule has a credential of its own configured (a client's never reaches the provider). */
  readonly backendsHaveCredentials: boolean;
}

function backendHasCredential(b: RuleConfig['backends'][number]): boolean {
  const a = b.auth;
  return !!a && (a.apiKey !== undefined || a.aws !== undefined || a.azure !== undefined || a.gcp !== undefined);
}

/** Rule name → its settings, for the rules whose responses are cached. */
export function ruleCacheSettings(config: Pick<Config, 'rules'> & { readonly cache: CacheConfig }): Map<string, RuleCacheSettings> {
  const g = config.cache;
  const out = new Map<string, RuleCacheSettings>();
  for (const rule of config.rules) {
    const r = rule.cache ?? {};
    if (!(r.enabled ?? g.enabled)) continue;
    out.set(rule.name, {
      ttlMs: (r.ttlSeconds ?? g.ttlSeconds) * 1000,
      mode: r.mode ?? g.mode,
      scope: r.scope ?? g.scope,
      ignoreFields: r.ignoreFields ?? g.ignoreFields,
      streamKeys: r.streamKeys ?? g.streamKeys,
      maxObjectBytes: g.maxObjectBytes,
      lookupTimeoutMs: g.lookupTimeoutMs,
      collapseWaitMs: g.collapseWaitMs,
      clientCredentials: g.clientCredentials,
      backends: rule.backends.map((b) => b.name).join(','),
      backendsHaveCredentials: rule.backends.length > 0 && rule.backends.every(backendHasCredential),
    });
  }
  return out;
}
