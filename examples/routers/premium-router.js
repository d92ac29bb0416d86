// @ts-check
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
 * The service loads modules with Node's `import()`, so this example is JavaScript and loads as
 * shipped, on every supported Node. Its types are JSDoc, checked by the project's type check
 * (`// @ts-check`); a TypeScript module works the same once compiled (docs/extending.md).
 * In your own project, take the types from the package: `@import { RouterFactory } from 'llm-extproc'`.
 *
 * Two factories:
 * - the default export answers from its options alone (synchronous, no timer, no I/O);
 * - {@link createPremiumLookupRouter} asks a tenant service whether a tenant is premium, and is
 *   written for the router's time budget: cached answers are synchronous, one lookup per tenant
 *   at a time, and a lookup that runs over its own deadline counts as "not premium" so the
 *   request still routes (by the default router) instead of failing on the budget.
 */
/** @import { Router, RouterFactory, RouteRequest } from '../../src/index.js' */

/**
 * The options of the premium router (`router.options`).
 * @typedef {object} PremiumOptions
 * @property {string} tenantHeader Request header naming the tenant (lower-cased). Default `x-tenant`.
 * @property {readonly string[]} premiumTenants Tenants that are premium.
 * @property {string} rule The route rule premium requests go to.
 * @property {readonly string[]} models Models premium requests get the premium rule for.
 */

/**
 * @param {Readonly<Record<string, unknown>>} options
 * @param {string} key
 * @returns {string[]}
 */
function stringList(options, key) {
  const v = options[key];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== '')) {
    throw new Error(`option "${key}" must be a list of non-empty strings`);
  }
  return v;
}

/**
 * Validates `router.options`; throws a clear error (the service reports it naming the module).
 * @param {Readonly<Record<string, unknown>>} options
 * @param {boolean} [premiumTenantsRequired]
 * @returns {PremiumOptions}
 */
export function parsePremiumOptions(options, premiumTenantsRequired = true) {
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

/**
 * The model header of the loaded config (`modelNameHeaderKey`), else the default one.
 * @param {unknown} config
 * @returns {string}
 */
function modelHeaderOf(config) {
  const key = /** @type {{ modelNameHeaderKey?: unknown } | null} */ (config)?.modelNameHeaderKey;
  return typeof key === 'string' ? key : 'x-ai-eg-model';
}

/**
 * The model of a request: the model header (always set by the service), else the parsed request.
 * @param {Readonly<Record<string, string>>} headers
 * @param {string} modelHeader
 * @param {RouteRequest} [request]
 * @returns {string | undefined}
 */
function modelOf(headers, modelHeader, request) {
  return headers[modelHeader] ?? request?.model;
}

/**
 * The module's factory: premium tenants asking for one of `models` get `rule`; the rest go to the default router.
 * @type {RouterFactory}
 */
const createPremiumRouter = (defaultRouter, { options, config, logger }) => {
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

/**
 * Answers whether `tenant` is premium, e.g. with a call to your tenant service; abort on `signal`.
 * @typedef {(tenant: string, signal: AbortSignal) => Promise<boolean>} TenantLookup
 */

/**
 * A router factory asking `lookup` which tenants are premium. Options: those of the default
 * export without `premiumTenants`, plus `lookupTimeoutMs` (default 50; must leave room in
 * `router.timeoutMs`), `cacheTtlMs` (default 60000) and `maxCachedTenants` (default 10000).
 * Your module would `export default createPremiumLookupRouter(myLookup)`.
 * @param {TenantLookup} lookup
 * @returns {RouterFactory}
 */
export function createPremiumLookupRouter(lookup) {
  return (defaultRouter, { options, config, logger }) => {
    const opts = parsePremiumOptions(options, false);
    const lookupTimeoutMs = typeof options['lookupTimeoutMs'] === 'number' ? options['lookupTimeoutMs'] : 50;
    const cacheTtlMs = typeof options['cacheTtlMs'] === 'number' ? options['cacheTtlMs'] : 60_000;
    const maxCachedTenants = typeof options['maxCachedTenants'] === 'number' ? options['maxCachedTenants'] : 10_000;
    const budgetMs = /** @type {{ router?: { timeoutMs?: unknown } } | null} */ (config)?.router?.timeoutMs;
    if (typeof budgetMs === 'number' && lookupTimeoutMs >= budgetMs) {
      throw new Error(`option "lookupTimeoutMs" (${lookupTimeoutMs}) must be below router.timeoutMs (${budgetMs})`);
    }
    const models = new Set(opts.models);
    const modelHeader = modelHeaderOf(config);
    // Shared by concurrent requests: entries are set or deleted in one step, never changed in place.
    /** @type {Map<string, { premium: boolean; until: number }>} */
    const cache = new Map();
    /** @type {Map<string, Promise<boolean>>} */
    const inFlight = new Map();

    /** @type {(tenant: string) => Promise<boolean>} */
    const lookUp = (tenant) => {
      const controller = new AbortController();
      /** @type {NodeJS.Timeout | undefined} */
      let timer;
      /** @type {Promise<boolean>} */
      const deadline = new Promise((resolve) => {
        timer = setTimeout(() => {
          controller.abort();
          logger.warn({ tenant, lookupTimeoutMs }, 'tenant lookup too slow; routing as not premium');
          resolve(false);
        }, lookupTimeoutMs);
      });
      // A lookup that throws synchronously is a failed lookup too, not a failed router.
      /** @type {Promise<boolean>} */
      const answer = new Promise((resolve) => resolve(lookup(tenant, controller.signal))).then(
        (premium) => {
          const oldest = cache.keys().next().value;
          if (cache.size >= maxCachedTenants && oldest !== undefined) cache.delete(oldest);
          cache.set(tenant, { premium, until: Date.now() + cacheTtlMs });
          return premium;
        },
        (err) => {
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

    /** @type {Router} */
    const router = {
      calculate(headers, request) {
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
    };
    return router;
  };
}
