/**
 * Whether a request needs a gateway key: the rule's `access.required`, else `auth.enabled`.
 * A fact of the config, read by the key check and by the credential step (which strips the
 * client's own credentials whenever gateway keys are required).
 */
import type { Config } from './schema.js';

/** True when requests on `rule` (undefined: not routed) need a gateway key. */
export function keyRequired(config: Config, rule: string | undefined): boolean {
  const r = rule === undefined ? undefined : config.rules.find((x) => x.name === rule);
  return r?.access?.required ?? config.auth.enabled;
}
