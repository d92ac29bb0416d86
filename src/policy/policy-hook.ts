/**
 * Request policy as a hook: the global policy's request line is checked as soon as the headers
 * arrive; once routed, the global and the rule's policy (request line, required headers, body
 * rules) are checked and their request-header changes made; their response-header changes are
 * made on the response. A body the gateway does not see cannot pass body rules: such a request
 * is refused (`body_not_inspected`), never let through unchecked.
 */
import type { PolicyConfig } from '../config/access-schema.js';
import type { Config } from '../config/schema.js';
import { clientError } from '../error-catalogue.js';
import type { Hook, HookRequest } from '../hooks/hook.js';
import { checkBody } from './body-policy.js';
import { headerChanges } from './header-policy.js';
import { checkRequestLine } from './request-policy.js';

/** The policies that apply to `rule`: global first. */
function policiesOf(config: Config, byRule: ReadonlyMap<string, PolicyConfig | undefined>, rule: string | undefined): Array<PolicyConfig | undefined> {
  return [config.policy, rule === undefined ? undefined : byRule.get(rule)];
}

function hasBodyRules(policies: ReadonlyArray<PolicyConfig | undefined>): boolean {
  return policies.some((p) => p?.body !== undefined);
}

/** The policy hook of `config`. */
export function policyHook(config: Config): Hook {
  const byRule = new Map(config.rules.map((r) => [r.name, r.policy]));
  const vars = (req: HookRequest) => ({ request_id: req.headers['x-request-id'], model: req.model, rule: req.rule });
  return {
    name: 'policy',
    onRequestHeaders(req) {
      const refused = checkRequestLine([config.policy], req.method, req.path, req.headers);
      return refused ? { answer: refused } : undefined;
    },
    onRequest(req) {
      const policies = policiesOf(config, byRule, req.rule);
      const refused = checkRequestLine(policies, req.method, req.path, req.headers);
      if (refused) return { answer: refused };
      if (req.kind !== 'listing' && req.kind !== 'passthrough' && req.body === undefined && hasBodyRules(policies)) {
        return {
          answer: clientError('body_not_inspected', { for: 'policy' }),
        };
      }
      const bodyRefused = req.kind === 'listing' ? undefined : checkBody(policies, req.body);
      if (bodyRefused) return { answer: bodyRefused };
      const changes = headerChanges(policies, 'requestHeaders', vars(req));
      return changes.set.length || changes.remove.length ? { headers: changes } : undefined;
    },
    onResponseHeaders(_res, req) {
      const policies = policiesOf(config, byRule, req.rule);
      if (!policies.some((p) => p?.responseHeaders)) return undefined;
      const changes = headerChanges(policies, 'responseHeaders', vars(req));
      return changes.set.length || changes.remove.length ? changes : undefined;
    },
  };
}
