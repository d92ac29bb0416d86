/**
 * `llm_extproc.prompt_cache.tokens`: a counter of prompt tokens by cache result, per route rule,
 * so a hit ratio is a plain PromQL quotient of rates (see docs/prompt-caching.md):
 *
 * - `result=hit`: tokens read from the provider's cache (`cachedInput`);
 * - `result=write`: tokens written to it (`cacheCreationInput`, Anthropic and Bedrock);
 * - `result=miss`: the other input tokens (input − hit − write, never below 0).
 *
 * Recorded by wrapping the request metrics hooks: every request with reported input tokens
 * counts, whether or not this gateway added cache hints (OpenAI caches automatically).
 */
import type { Attributes, Counter, Meter } from '@opentelemetry/api';
import type { TokenUsage } from '../apis/api.js';
import { ROUTE_ATTRIBUTE } from './genai-metrics.js';
import type { RequestMetrics, RequestMetricsFactory } from './request-metrics.js';

/** Name of the counter. */
export const PROMPT_CACHE_TOKENS = 'llm_extproc.prompt_cache.tokens';

function count(n: number | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}

/** The hit / write / miss split of one usage; undefined when the response reported no input tokens. */
export function cacheSplit(u: TokenUsage): { hit: number; write: number; miss: number } | undefined {
  if (typeof u.input !== 'number' || !Number.isFinite(u.input) || u.input < 0) return undefined;
  const hit = count(u.cachedInput);
  const write = count(u.cacheCreationInput);
  return { hit, write, miss: Math.max(0, u.input - hit - write) };
}

/** `factory` whose requests also count their prompt tokens by cache result. */
export function withPromptCacheMetrics(factory: RequestMetricsFactory, meter: Meter): RequestMetricsFactory {
  const counter: Counter = meter.createCounter(PROMPT_CACHE_TOKENS, {
    description: 'Prompt tokens by provider cache result (hit, write, miss), per route rule.',
    unit: '{token}',
  });
  return {
    newRequest(): RequestMetrics {
      const inner = factory.newRequest();
      let rule: string | undefined;
      return {
        startRequest: (headers, start) => inner.startRequest(headers, start),
        setModel: (model) => inner.setModel(model),
        setBackend: (r, backend) => {
          rule = r;
          inner.setBackend(r, backend);
        },
        ...(inner.setStream ? { setStream: (stream: boolean) => inner.setStream!(stream) } : {}),
        ...(inner.setResponseModel ? { setResponseModel: (model: string) => inner.setResponseModel!(model) } : {}),
        recordTokenUsage: (usage, attrs) => {
          inner.recordTokenUsage(usage, attrs);
          const split = cacheSplit(usage);
          if (!split) return;
          const base: Attributes = rule === undefined ? {} : { [ROUTE_ATTRIBUTE]: rule };
          for (const result of ['hit', 'write', 'miss'] as const) counter.add(split[result], { ...base, result });
        },
        recordRequestCompletion: (success, attrs) => inner.recordRequestCompletion(success, attrs),
        recordTokenLatency: (tokens, attrs) => inner.recordTokenLatency(tokens, attrs),
      };
    },
  };
}
