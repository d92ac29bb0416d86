/**
 * llm-extproc's public API: what router and metrics modules, and embedders, import.
 */
export { createServer, type LlmExtprocServer, type ServerDeps, type BoundAddresses } from './server/service.js';
export { NoMatchingRuleError, type Router, type RouterFactory, type RouterContext, type RouterOptions, type RouteRequest } from './routing/router.js';
export { HeaderMatchRouter } from './routing/header-match-router.js';
export type {
  RequestMetrics,
  RequestMetricsFactory,
  MetricsFactory,
  MetricsContext,
  MetricsOptions,
  RequestStart,
} from './metrics/request-metrics.js';
export { DefaultRequestMetrics } from './metrics/default-request-metrics.js';
export { ModuleLoadError } from './modules/import-module.js';
export { ModuleOptionsError, type OptionsSchema, type SchemaIssue, type SchemaResult } from './modules/options-schema.js';
export type { TokenUsage, ResponseInfo, ApiSpec, ApiMatch, ErrorShape } from './apis/api.js';
export { UserFacingError, type UserFacingStatus } from './errors.js';
export { parseConfig, loadConfigFile, loadEmbeddedDefault, ConfigError, type LoadedConfig, type ConfigProblem } from './config/load.js';
export type { Config } from './config/schema.js';
export { createLogger } from './logger.js';
export { ResponseCache, type ResponseCacheOptions } from './cache/response-cache.js';
export { CacheMetrics } from './cache/cache-metrics.js';
export { MemoryStore, type MemoryStoreOptions } from './cache/memory-store.js';
export type { CacheKey, PurgeFilter, ResponseStore, StoredResponse, StoreStats } from './cache/response-store.js';
export type { ResponseStoreFactory, ResponseStoreContext } from './cache/store-module.js';
export { checkRouterContract, type RouterCase, type RouterContractOptions } from './testing/router-contract.js';
export type {
  Hook,
  HookRequest,
  RequestStart as HookRequestStart,
  RequestKind,
  RequestApi,
  Caller,
  HookChanges,
  HookAnswer,
  LocalResponse,
  RequestHookResult,
  EarlyHookResult,
  HookResponseStart,
  HookAttempt,
  HookAttemptResponse,
  AttemptHookResult,
} from './hooks/hook.js';
export type { HookFactory, HookContext } from './hooks/user-hooks.js';
export type { RequestOutcome } from './hooks/outcome.js';
export type { HeaderChanges } from './hooks/phase.js';
export { mergeHeaderChanges } from './hooks/header-changes.js';
export { checkHookContract, type HookContractOptions } from './testing/hook-contract.js';
