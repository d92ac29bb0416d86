/**
 * Builds a config generation: router (with the user's module), metrics factory (with the user's
 * module), request-cost evaluator, and the request-path hook list (the features' hooks with the
 * users' hook modules in their place). Any failure throws and leaves the current generation in
 * place.
 */
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.js';
import { compileRequestCosts } from '../metrics/request-costs.js';
import type { RequestMetricsFactory } from '../metrics/request-metrics.js';
import { loadMetricsFactory } from '../metrics/load-metrics-module.js';
import { isolateMetrics } from '../metrics/isolated-metrics.js';
import { withPromptCacheMetrics } from '../metrics/prompt-cache-metrics.js';
import { describeModule } from '../modules/module-details.js';
import type { BackendConfig } from '../config/schema.js';
import type { Generation } from '../processor/generation.js';
import type { SecretSources } from '../credentials/backend-credential.js';
import type { KeyLookup } from '../access/key-lookup.js';
import { UpstreamCredentials } from '../credentials/upstream-credentials.js';
import { backendsByClusterName } from '../envoy/bootstrap-clusters.js';
import type { Hook } from '../hooks/hook.js';
import { loadUserHooks } from '../hooks/user-hooks.js';
import { loadRouter } from '../routing/load-router.js';
import { loadPriceTable } from '../ledger/price-table.js';
import type { BudgetGate } from '../ledger/budgets.js';
import { RouteDecider } from '../routing/route-decider.js';
import { hookList, type HookServices } from './hook-list.js';

/** What building a generation needs. */
export interface BuildGenerationDeps {
  readonly meter: Meter;
  readonly logger: Logger;
  /** Builds the built-in metrics factory for a config (header → attribute mappings are per config). */
  readonly createDefaultMetrics: (config: LoadedConfig['config']) => RequestMetricsFactory;
  /** Directory used for relative module paths when the config is not from a file. */
  readonly cwd: string;
  /** Where backend credentials are read from; without it, backends get no credentials. */
  readonly secrets?: SecretSources;
  /** Gateway-key lookup shared by every generation. */
  readonly keys?: KeyLookup;
  /** Budget spend shared by every generation (the ledger's); absent: no budgets are enforced. */
  readonly budgets?: BudgetGate;
  /** Counts a request whose model has no price. */
  readonly pricingMissing?: (model: string) => void;
  /** Outcome hooks built once per process (usage recorder, service record), ending every hook list. */
  readonly recorders?: readonly Hook[];
  /** Rate-limit counters and instruments shared by every generation. */
  readonly rateLimits?: HookServices['rateLimits'];
}

/** Rule name → the `modelNameOverride` all its backends share (rules without one, or whose backends differ, are absent). */
export function modelOverridesOfRules(config: Pick<LoadedConfig['config'], 'rules'>): Map<string, string> {
  const out = new Map<string, string>();
  for (const rule of config.rules) {
    const names = new Set(rule.backends.map((b) => b.modelNameOverride));
    const [only] = names;
    if (names.size === 1 && only !== undefined && only !== '') out.set(rule.name, only);
  }
  return out;
}

/** Where a config's relative module paths resolve, and the tag that makes its imports fresh. */
export interface ModuleLoading {
  readonly baseDir: string;
  readonly cacheBust: string;
  /** The config's YAML text, so module option errors carry line numbers. */
  readonly configText?: string;
}

/** Loads the metrics module the config names over the built-in metrics factory for that config. */
export function loadConfigMetrics(
  config: LoadedConfig['config'],
  at: ModuleLoading,
  deps: Pick<BuildGenerationDeps, 'meter' | 'logger' | 'createDefaultMetrics'>,
): Promise<RequestMetricsFactory> {
  return loadMetricsFactory(config.metrics, {
    ...at,
    meter: deps.meter,
    logger: deps.logger,
    config,
    defaultFactory: deps.createDefaultMetrics(config),
  });
}

/** Builds generation `id` from a loaded config. */
export async function buildGeneration(loaded: LoadedConfig, id: number, deps: BuildGenerationDeps): Promise<Generation> {
  const { config } = loaded;
  const baseDir = loaded.source === 'embedded default' ? deps.cwd : dirname(loaded.source);
  const hash = createHash('sha256').update(loaded.text).digest('hex');
  const cacheBust = `${id}-${hash.slice(0, 12)}`;
  const routers = await loadRouter(config, { baseDir, logger: deps.logger, meter: deps.meter, cacheBust, configText: loaded.text });
  const metrics = await loadConfigMetrics(config, { baseDir, cacheBust, configText: loaded.text }, deps);
  const costs = compileRequestCosts(config.llmRequestCosts);
  const pricing = config.pricing.file ? loadPriceTable(resolve(baseDir, config.pricing.file), deps.pricingMissing) : undefined;
  const routerDetails = routers.module ? await describeModule(routers.module, baseDir) : undefined;
  const metricsDetails = config.metrics.module ? await describeModule(config.metrics.module, baseDir) : undefined;
  const backendOfRule = new Map<string, string>();
  const singleBackendOfRule = new Map<string, BackendConfig>();
  for (const rule of config.rules) {
    const backend = rule.backends[0];
    if (backend) backendOfRule.set(rule.name, backend.name);
    if (backend && rule.backends.length === 1) singleBackendOfRule.set(rule.name, backend);
  }
  const userHooks = await loadUserHooks(config.hooks, { baseDir, cacheBust, logger: deps.logger, meter: deps.meter, config, configText: loaded.text });
  const credentials = deps.secrets ? new UpstreamCredentials(config, deps.secrets, { baseDir }) : undefined;
  const hooks = hookList(
    config,
    {
      logger: deps.logger,
      ...(deps.keys ? { keys: deps.keys } : {}),
      ...(deps.budgets ? { budgets: deps.budgets } : {}),
      ...(credentials ? { credentials } : {}),
      recorders: deps.recorders ?? [],
      ...(deps.rateLimits ? { rateLimits: deps.rateLimits } : {}),
    },
    userHooks,
  );
  return {
    info: {
      id,
      hash,
      source: loaded.source,
      loadedAt: Date.now(),
      modules: {
        ...(routers.module ? { router: routers.module } : {}),
        ...(config.metrics.module ? { metrics: config.metrics.module } : {}),
        ...(config.hooks.length ? { hooks: config.hooks.map((h) => h.module) } : {}),
      },
      moduleDetails: {
        ...(routerDetails ? { router: routerDetails } : {}),
        ...(metricsDetails ? { metrics: metricsDetails } : {}),
      },
    },
    config,
    decider: new RouteDecider({
      router: routers.router,
      defaultRouter: routers.defaultRouter,
      timeoutMs: config.router.timeoutMs,
      failureMode: config.router.failureMode,
      ruleNames: new Set(config.rules.map((r) => r.name)),
      logger: deps.logger.child({ component: 'router' }),
    }),
    metrics: withPromptCacheMetrics(isolateMetrics(metrics, { logger: deps.logger.child({ component: 'metrics-hooks' }), meter: deps.meter }), deps.meter),
    costs,
    hooks,
    backendOfRule,
    singleBackendOfRule,
    modelOverrideOfRule: modelOverridesOfRules(config),
    backendOfCluster: backendsByClusterName(config),
    ...(pricing ? { pricing } : {}),
  };
}
