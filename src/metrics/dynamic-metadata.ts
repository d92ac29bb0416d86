/**
 * The dynamic metadata a finished response hands to Envoy, under the configured namespace
 * (default `io.envoy.ai_gateway`): token counts, models, route and backend for access logs, and
 * every `llmRequestCosts` value at the top level under its metadataKey — the path Envoy's rate
 * limit `hits_addend` metadata reads (`metadata_key: { key: <namespace>, path: [{ key: <metadataKey> }] }`).
 * Built as a plain object; `src/envoy` converts it to a protobuf Struct.
 */
import type { TokenUsage } from '../apis/api.js';
import { totalTokens } from './request-costs.js';

/** Keys written besides the costs. A cost whose metadataKey equals one of them replaces it. */
export const USAGE_METADATA_KEYS = {
  inputTokens: 'input_tokens',
  cachedInputTokens: 'cached_input_tokens',
  cacheCreationInputTokens: 'cache_creation_input_tokens',
  outputTokens: 'output_tokens',
  reasoningTokens: 'reasoning_tokens',
  totalTokens: 'total_tokens',
  requestModel: 'request_model',
  responseModel: 'response_model',
  routeName: 'route_name',
  backend: 'backend',
  costUsd: 'cost_usd',
} as const;

/** What the metadata is built from. */
export interface UsageMetadataInput {
  /** Metadata namespace (`metadataNamespace` in config). */
  readonly namespace: string;
  readonly usage: TokenUsage;
  readonly requestModel?: string | undefined;
  readonly responseModel?: string | undefined;
  readonly routeName?: string | undefined;
  readonly backend?: string | undefined;
  /** Price of the request in USD (from `pricing.file`), when known. */
  readonly costUsd?: number | undefined;
  /** `llmRequestCosts` results by metadataKey. */
  readonly costs?: Readonly<Record<string, number>>;
}

function isCount(n: number | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}

/**
 * Returns `{ [namespace]: fields }`. Token kinds the response did not report are left out;
 * `total_tokens` is the reported total, else input + output when either was reported. Costs are
 * written last, so a user's metadataKey always holds the configured cost.
 */
export function buildUsageMetadata(input: UsageMetadataInput): Record<string, Record<string, string | number>> {
  const K = USAGE_METADATA_KEYS;
  const u = input.usage;
  const fields: Record<string, string | number> = {};
  if (isCount(u.input)) fields[K.inputTokens] = u.input;
  if (isCount(u.cachedInput)) fields[K.cachedInputTokens] = u.cachedInput;
  if (isCount(u.cacheCreationInput)) fields[K.cacheCreationInputTokens] = u.cacheCreationInput;
  if (isCount(u.output)) fields[K.outputTokens] = u.output;
  if (isCount(u.reasoning)) fields[K.reasoningTokens] = u.reasoning;
  if (isCount(u.total) || isCount(u.input) || isCount(u.output)) fields[K.totalTokens] = totalTokens(u);
  if (input.requestModel) fields[K.requestModel] = input.requestModel;
  if (input.responseModel) fields[K.responseModel] = input.responseModel;
  if (input.routeName) fields[K.routeName] = input.routeName;
  if (input.backend) fields[K.backend] = input.backend;
  if (input.costUsd !== undefined && Number.isFinite(input.costUsd) && input.costUsd >= 0) fields[K.costUsd] = input.costUsd;
  for (const [key, value] of Object.entries(input.costs ?? {})) {
    if (Number.isFinite(value)) fields[key] = value;
  }
  return { [input.namespace]: fields };
}
