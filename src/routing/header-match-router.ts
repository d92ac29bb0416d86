/**
 * The default router: config `rules`, each with header matchers that must all hold; the first
 * matching rule wins; no match throws {@link NoMatchingRuleError}.
 */
import type { RuleConfig } from '../config/schema.js';
import { compileHeaderMatcher, type CompiledHeaderMatcher } from './header-matcher.js';
import { NoMatchingRuleError, type Router } from './router.js';

interface CompiledRule {
  readonly name: string;
  readonly matchers: readonly CompiledHeaderMatcher[];
}

/** Routes by the configured rules' header matchers. Stateless after construction: safe to share. */
export class HeaderMatchRouter implements Router {
  private readonly rules: readonly CompiledRule[];

  /**
   * @param rules the config's `rules`, in priority order.
   * @param modelHeader the model header name, used only to word the no-match error.
   */
  constructor(
    rules: readonly RuleConfig[],
    private readonly modelHeader = 'x-ai-eg-model',
  ) {
    this.rules = rules.map((r) => ({ name: r.name, matchers: r.headers.map(compileHeaderMatcher) }));
  }

  /** Returns the first rule whose matchers all hold. */
  calculate(headers: Readonly<Record<string, string>>): string {
    for (const rule of this.rules) {
      // Own properties only: a header named like an Object.prototype member must not match by inheritance.
      if (rule.matchers.every((m) => m.test(Object.hasOwn(headers, m.name) ? headers[m.name] : undefined))) return rule.name;
    }
    throw new NoMatchingRuleError(`no rule matches model ${JSON.stringify(headers[this.modelHeader] ?? '')}`);
  }
}
