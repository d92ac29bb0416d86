/**
 * `llm-extproc/testing`: helpers for users to test their own router, metrics and hook modules,
 * and response stores, the way we test ours. `describeRouterContract`, `describeHookContract`
 * and `describeResponseStoreContract` need vitest; the other helpers work under any test runner
 * (`checkRouterContract` is also exported from the main entry point, which does not import
 * vitest).
 */
import { createNoopMeter } from '@opentelemetry/api';
import { pino } from 'pino';
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
  loadResponseStoreModule,
  type LoadModuleOptions,
} from './testing/fakes.js';
export { checkHookContract, fakeHookAttempt, fakeHookRequest, fakeOutcome, type HookContractOptions } from './testing/hook-contract.js';
import { checkHookContract, type HookContractOptions } from './testing/hook-contract.js';
import type { Hook } from './hooks/hook.js';
import type { HookContext } from './hooks/user-hooks.js';
import { configSchema, type Config } from './config/schema.js';

/**
 * Registers a vitest suite that runs the hook contract against the hook `make` returns.
 * @example describeHookContract('prompt guard', () => createPromptGuard(fakeHookContext({ patterns: ['secret'] })))
 */
export function describeHookContract(name: string, make: () => Hook | Promise<Hook>, options: HookContractOptions = {}): void {
  describe(`hook contract: ${name}`, () => {
    it('answers well-formed results within budget, leaves the request alone, is safe to share', async () => {
      const hook = await make();
      expect(await checkHookContract(hook, options)).toEqual([]);
    });
  });
}
export { describeResponseStoreContract, type ResponseStoreContractOptions } from './testing/response-store-contract.js';
export type { CacheKey, PurgeFilter, ResponseStore, StoredResponse, StoreStats } from './cache/response-store.js';

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

/** A hook factory's context for users' tests: the given options, the default config, a silent logger, a no-op meter. */
export function fakeHookContext<Options = Readonly<Record<string, unknown>>>(options: Options, opts: { config?: Config; baseDir?: string } = {}): HookContext<Options> {
  return { options, config: opts.config ?? configSchema.parse({}), logger: pino({ level: 'silent' }), meter: createNoopMeter(), baseDir: opts.baseDir ?? '.' };
}
