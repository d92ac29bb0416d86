/**
 * `llm-extproc/testing`: helpers for users to test their own router and metrics modules the way
 * we test ours. `describeRouterContract` needs vitest; everything else works with any test
 * runner (`checkRouterContract` is also exported from the main entry point, which does not
 * import vitest).
 */
import { describe, expect, it } from 'vitest';
import type { Router } from './routing/router.js';
import { checkRouterContract, type RouterContractOptions } from './testing/router-contract.js';
import { NoMatchingRuleError } from './routing/router.js';

export { checkRouterContract, type RouterCase, type RouterContractOptions } from './testing/router-contract.js';
export { createInMemoryMetrics, type InMemoryMetrics } from './testing/in-memory-metrics.js';
export {
  fakeMetricsContext,
  fakeRequestStart,
  fakeRouteRequest,
  fakeRouterContext,
  loadMetricsModule,
  loadRouterModule,
  type LoadModuleOptions,
} from './testing/fakes.js';

/**
 * Registers a vitest suite that runs the router contract against the router `make` returns.
 * @example describeRouterContract('premium router', () => createRouter(fakeDefaultRouter(), fakeRouterContext({ rule: 'premium' })), { cases })
 */
export function describeRouterContract(name: string, make: () => Router | Promise<Router>, options: RouterContractOptions = {}): void {
  describe(`router contract: ${name}`, () => {
    it('answers rule names or NoMatchingRuleError, within budget, safely under concurrency', async () => {
      const router = await make();
      expect(await checkRouterContract(router, options)).toEqual([]);
    });
  });
}

/**
 * A stand-in for the default router in users' tests: answers `rule` for every request, or
 * throws NoMatchingRuleError when `rule` is undefined.
 */
export function fakeDefaultRouter(rule?: string): Router {
  return {
    calculate() {
      if (rule === undefined) throw new NoMatchingRuleError();
      return rule;
    },
  };
}
