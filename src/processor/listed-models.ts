/**
 * The models answered on `GET /v1/models`: the configured `models`, plus every exact model
 * matcher of a rule (owned by the rule's first backend).
 */
import type { Config } from '../config/schema.js';

/** One listed model. */
export interface ListedModel {
  name: string;
  ownedBy?: string;
  created?: number;
}

/** The models `config` lists, configured ones first, without duplicates. */
export function listedModels(config: Config): ListedModel[] {
  const seen = new Map<string, ListedModel>();
  for (const m of config.models) seen.set(m.name, m);
  for (const rule of config.rules) {
    for (const h of rule.headers) {
      const exact = h.type === 'Exact' ? h.value : h.exact;
      if (h.name === config.modelNameHeaderKey && exact !== undefined && !h.invert && !seen.has(exact)) {
        seen.set(exact, { name: exact, ownedBy: rule.backends[0]?.name ?? rule.name });
      }
    }
  }
  return [...seen.values()];
}
