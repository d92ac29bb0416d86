/**
 * `backends[].modelNameOverride` (Envoy AI Gateway v0.2): the model name a backend is sent in
 * place of the client's: the body's top-level `model` replaced (see `apis/top-level-replace.ts`)
 * for APIs whose model is in the JSON body, the model segment of `:path` (`apis/url-path.ts`)
 * for those whose model is in the URL. Applied:
 *
 * - by the router-level call when every backend of the routed rule has the same override (one
 *   backend, or several that agree), so no upstream-level filter is needed;
 * - by the upstream-level call, per attempt, for the backend Envoy picked (rules whose backends
 *   differ; retries and fallback each get their own backend's name).
 *
 * Routing, metrics and the ledger keep the client's model as the request model; the response
 * model is whatever the provider reports.
 */
import { replaceTopLevelValue } from '../apis/top-level-replace.js';
import type { Config } from '../config/schema.js';

/** Rule name → the override all its backends share (rules without one, or whose backends differ, are absent). */
export function modelOverridesOfRules(config: Pick<Config, 'rules'>): Map<string, string> {
  const out = new Map<string, string>();
  for (const rule of config.rules) {
    const names = new Set(rule.backends.map((b) => b.modelNameOverride));
    const [only] = names;
    if (names.size === 1 && only !== undefined && only !== '') out.set(rule.name, only);
  }
  return out;
}

/** `body` with its top-level `model` set to `model`; undefined when nothing changes (no model member, not JSON, same name). */
export function withModel(body: Buffer, model: string): Buffer | undefined {
  return replaceTopLevelValue(body, 'model', model);
}

/**
 * `set` (header changes for the upstream request) also setting `:path` to `renamedPath`, unless
 * it already sets `:path` (a credential that rewrote the renamed path, removing `?key=`).
 */
export function withRenamedPath(set: ReadonlyArray<readonly [string, string]>, renamedPath: string | undefined): Array<readonly [string, string]> {
  if (renamedPath === undefined || set.some(([k]) => k === ':path')) return [...set];
  return [...set, [':path', renamedPath]];
}
