/**
 * A config generation: everything built from one loaded config. Requests capture the generation
 * current when they start and finish on it, so a reload never changes a request mid-flight.
 */
import type { Config } from '../config/schema.js';
import type { RequestMetricsFactory } from '../metrics/request-metrics.js';
import type { RouteDecider } from '../routing/route-decider.js';
import type { RequestCostsEvaluator } from '../metrics/request-costs.js';
import type { ModuleDetails } from '../modules/module-details.js';
import type { UpstreamCredentials } from '../credentials/upstream-credentials.js';
import type { KeyLookup } from '../access/key-lookup.js';
import type { PriceTable } from '../ledger/price-table.js';
import type { BudgetGate } from '../ledger/budgets.js';

/** Facts about a generation, for logs and the debug endpoints. */
export interface GenerationInfo {
  /** 1 for the first config loaded, +1 per successful reload. */
  readonly id: number;
  /** sha256 of the config text. */
  readonly hash: string;
  /** Config source: file path or `embedded default`. */
  readonly source: string;
  /** When it was loaded (ms since epoch). */
  readonly loadedAt: number;
  /** Loaded module specifiers. */
  readonly modules: { readonly router?: string; readonly metrics?: string };
  /** Where the loaded modules came from: package name and version, or file path and mtime. */
  readonly moduleDetails?: { readonly router?: ModuleDetails; readonly metrics?: ModuleDetails };
}

/** One config generation. */
export interface Generation {
  readonly info: GenerationInfo;
  readonly config: Config;
  readonly decider: RouteDecider;
  readonly metrics: RequestMetricsFactory;
  readonly costs: RequestCostsEvaluator;
  /** Backend name of each rule's first backend, for `gen_ai.provider.name` and metadata. */
  readonly backendOfRule: ReadonlyMap<string, string>;
  /** Rules whose backends all take one `modelNameOverride`, with that name (see model-override.ts). */
  readonly modelOverrideOfRule?: ReadonlyMap<string, string>;
  /** Provider credentials of the backends (`backends[].auth`); absent: requests keep their headers. */
  readonly credentials?: UpstreamCredentials;
  /** Gateway keys; absent when no key store is open (requests that need a key get 503). */
  readonly keys?: KeyLookup;
  /** Prices of this config's `pricing.file`; absent: requests are not priced. */
  readonly pricing?: PriceTable;
  /** Spend budgets (process-wide spend, this config's limits); absent when the ledger is off. */
  readonly budgets?: BudgetGate;
}
