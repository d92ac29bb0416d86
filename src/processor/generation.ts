/**
 * A config generation: everything built from one loaded config. Requests capture the generation
 * current when they start and finish on it, so a reload never changes a request mid-flight.
 */
import type { TokenUsage } from '../apis/api.js';
import type { BackendConfig, Config } from '../config/schema.js';
import type { Hook } from '../hooks/hook.js';
import type { RequestMetricsFactory } from '../metrics/request-metrics.js';
import type { RequestCostsEvaluator } from '../metrics/request-costs.js';
import type { ModuleDetails } from '../modules/module-details.js';
import type { RouteDecider } from '../routing/route-decider.js';

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
  readonly modules: { readonly router?: string; readonly metrics?: string; readonly hooks?: readonly string[] };
  /** Where the loaded modules came from: package name and version, or file path and mtime. */
  readonly moduleDetails?: { readonly router?: ModuleDetails; readonly metrics?: ModuleDetails };
}

/** What a request is priced by (the ledger's price table). */
export interface Pricing {
  /** USD for `usage`; null when the model has no price. */
  cost(q: { provider: string; backend: string | undefined; model: string; sentModel?: string | undefined; requestModel: string | undefined; usage: TokenUsage }): number | null;
}

/** One config generation. */
export interface Generation {
  readonly info: GenerationInfo;
  readonly config: Config;
  readonly decider: RouteDecider;
  readonly metrics: RequestMetricsFactory;
  readonly costs: RequestCostsEvaluator;
  /** The request-path hooks, in order (see src/hooks/hook.ts). */
  readonly hooks: readonly Hook[];
  /** Backend name of each rule's first backend, for `gen_ai.provider.name` and metadata. */
  readonly backendOfRule: ReadonlyMap<string, string>;
  /** The backend of each rule that has exactly one. */
  readonly singleBackendOfRule: ReadonlyMap<string, BackendConfig>;
  /** Rules whose backends all take one `modelNameOverride`, with that name (see apis/request-rewrite.ts). */
  readonly modelOverrideOfRule: ReadonlyMap<string, string>;
  /** The backend behind each cluster name the generated Envoy config gives (upstream-level calls). */
  readonly backendOfCluster: ReadonlyMap<string, BackendConfig>;
  /**
   * The backend of an upstream attempt from what Envoy sent with it (the picked endpoint's
   * metadata, for a cluster holding several backends); undefined: look the cluster up in
   * `backendOfCluster`.
   */
  readonly backendOfAttempt?: (cluster: string, attributes: Readonly<Record<string, unknown>> | undefined) => BackendConfig | undefined;
  /** Prices of this config's `pricing.file`; absent: requests are not priced. */
  readonly pricing?: Pricing;
}
