/**
 * Example router module: premium tenants get a dedicated route rule for selected models;
 * every other request is routed by the default header-match router.
 *
 * Config (see examples/config/premium.yaml):
 * ```yaml
 * router:
 *   module: ../routers/premium-router.js
 *   options: { tenantHeader: x-tenant, premiumTenants: [premium], rule: premium-openai, models: [gpt-4o, gpt-4o-mini] }
 * ```
 *
 * The service loads modules with Node's `import()`, so it needs JavaScript: compile this file with
 * `tsc` and point `router.module` at the `.js` output, or write the module as `.js`/`.mjs`
 * directly (the same code minus the type annotations). See docs/extending.md.
 * In your own project, import the types from the package: `import type { RouterFactory } from 'llm-extproc'`.
 *
 * Two factories:
 * - the default export answers from its options alone (synchronous, no timer, no I/O);
 * - {@link createPremiumLookupRouter} asks a tenant service whether a tenant is premium, and is
 *   written for the router's time budget: cached answers are synchronous, one lookup per tenant
 *   at a time, and a lookup that runs over its own deadline counts as "not premium" so the
 *   request still routes (by the default router) instead of failing on the budget.
 */
import type { Router, RouterFactory, RouteRequest } from '../../src/index.js';

/** The options of the premium router (`router.options`). */
export interface PremiumOptions {
  /** Request header naming the tenant (lower-cased). Default `x-tenant`. */
  readonly tenantHeader: string;
  /** Tenants that are premium. */
  readonly premiumTenants: readonly string[];
  /** The route rule premium requests go to. */
  readonly rule: string;
  /** Models premium requests get the premium rule for. */
  readonly models: readonly string[];
}

function stringList(options: Readonly<Record<string, unknown>>, key: string): string[] {
  const v = options[key];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== '')) {
    throw new Error(`option "${key}" must be a list of non-empty strings`);
  }
  return v as string[];
}

/** Validates `router.options`; throws a clear error (the service reports it naming the module). */
export function parsePremiumOptions(options: Readonly<Record<string, unknown>>, premiumTenantsRequired = true): PremiumOptions {
  const { tenantHeader = 'x-tenant', rule } = options;
  if (typeof tenantHeader !== 'string' || tenantHeader === '') throw new Error('option "tenantHeader" must be a header name');
  if (typeof rule !== 'string' || rule === '') throw new Error('option "rule" must name a route rule');
  return {
    tenantHeader: tenantHeader.toLowerCase(),
    premiumTenants: premiumTenantsRequired ? stringList(options, 'premiumTenants') : [],
    rule,
    models: stringList(options, 'models'),
  };
}

/** The model header of the loaded config (`modelNameHeaderKey`), else the default one. */
function modelHeaderOf(config: unknown): string {
  const key = (config as { modelNameHeaderKey?: unknown } | null)?.modelNameHeaderKey;
  return typeof key === 'string' ? key : 'x-ai-eg-model';
}

/** The model of a request: the model header (always set by the service), else the parsed request. */
function modelOf(headers: Readonly<Record<string, string>>, modelHeader: string, request?: RouteRequest): string | undefined {
  return headers[modelHeader] ?? request?.model;
}

/** The module's factory: premium tenants asking for one of `models` get `rule`; the rest go to the default router. */
const createPremiumRouter: RouterFactory = (defaultRouter, { options, config, logger }) => {
  const opts = parsePremiumOptions(options);
  // Built once per config load; never written afterwards, so sharing across requests is safe.
  const tenants = new Set(opts.premiumTenants);
  const models = new Set(opts.models);
  const modelHeader = modelHeaderOf(config);
  logger.info({ rule: opts.rule, tenants: tenants.size, models: models.size }, 'premium router loaded');
  return {
    calculate(headers, request) {
      const tenant = headers[opts.tenantHeader];
      const model = modelOf(headers, modelHeader, request);
      if (tenant !== undefined && tenants.has(tenant) && model !== undefined && models.has(model)) return opts.rule;
      return defaultRouter.calculate(headers, request);
    },
  };
};

export default createPremiumRouter;

/** Answers whether `tenant` is premium, e.g. with a call to your tenant service; abort on `signal`. */
export type TenantLookup = (tenant: string, signal: AbortSignal) => Promise<boolean>;

/**
 * A router factory asking `lookup` which tenants are premium. Options: those of the default
 * export without `premiumTenants`, plus `lookupTimeoutMs` (default 50; must leave room in
 * `router.timeoutMs`), `cacheTtlMs` (default 60000) and `maxCachedTenants` (default 10000).
 * Your module would `export default createPremiumLookupRouter(myLookup)`.
 */
export function createPremiumLookupRouter(lookup: TenantLookup): RouterFactory {
  return (defaultRouter, { options, config, logger }) => {
    const opts = parsePremiumOptions(options, false);
    const lookupTimeoutMs = typeof options['lookupTimeoutMs'] === 'number' ? options['lookupTimeoutMs'] : 50;
    const cacheTtlMs = typeof options['cacheTtlMs'] === 'number' ? options['cacheTtlMs'] : 60_000;
    const maxCachedTenants = typeof options['maxCachedTenants'] === 'number' ? options['maxCachedTenants'] : 10_000;
    const budgetMs = (config as { router?: { timeoutMs?: unknown } } | null)?.router?.timeoutMs;
    if (typeof budgetMs === 'number' && lookupTimeoutMs >= budgetMs) {
      throw new Error(`option "lookupTimeoutMs" (${lookupTimeoutMs}) must be below router.timeoutMs (${budgetMs})`);
    }
    const models = new Set(opts.models);
    const modelHeader = modelHeaderOf(config);
    // Shared by concurrent requests: entries are set or deleted in one step, never changed in place.
    const cache = new Map<string, { premium: boolean; until: number }>();
    const inFlight = new Map<string, Promise<boolean>>();

    const lookUp = (tenant: string): Promise<boolean> => {
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => {
          controller.abort();
          logger.warn({ tenant, lookupTimeoutMs }, 'tenant lookup too slow; routing as not premium');
          resolve(false);
        }, lookupTimeoutMs);
      });
      // A lookup that throws synchronously is a failed lookup too, not a failed router.
      const answer = new Promise<boolean>((resolve) => resolve(lookup(tenant, controller.signal))).then(
        (premium) => {
          if (cache.size >= maxCachedTenants) cache.delete(cache.keys().next().value as string);
          cache.set(tenant, { premium, until: Date.now() + cacheTtlMs });
          return premium;
        },
        (err: unknown) => {
          if (!controller.signal.aborted) logger.warn({ err, tenant }, 'tenant lookup failed; routing as not premium');
          return false;
        },
      );
      const result = Promise.race([answer, deadline]).finally(() => {
        clearTimeout(timer);
        inFlight.delete(tenant);
      });
      inFlight.set(tenant, result);
      return result;
    };

    return {
      calculate(headers, request): string | Promise<string> {
        const tenant = headers[opts.tenantHeader];
        const model = modelOf(headers, modelHeader, request);
        if (tenant === undefined || tenant === '' || model === undefined || !models.has(model)) return defaultRouter.calculate(headers, request);
        const cached = cache.get(tenant);
        if (cached && cached.until > Date.now()) {
          // Synchronous answer: no promise, no budget timer.
          return cached.premium ? opts.rule : defaultRouter.calculate(headers, request);
        }
        const pending = inFlight.get(tenant) ?? lookUp(tenant);
        return pending.then((premium) => (premium ? opts.rule : defaultRouter.calculate(headers, request)));
      },
    } satisfies Router;
  };
}
