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
import { DefaultRequestMetrics } from './default-request-metrics.js';
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
  // One attribute set per rule and result, built once; a zero is added only to create its series
  // (so a hit ratio reads 0, not "no data"), never again.
  const attrsOfRule = new Map<string | undefined, Record<CacheResult, Attributes>>();
  const created = new Set<Attributes>();
  const attributesOf = (rule: string | undefined): Record<CacheResult, Attributes> => {
    let a = attrsOfRule.get(rule);
    if (!a) {
      const base: Attributes = rule === undefined ? {} : { [ROUTE_ATTRIBUTE]: rule };
      a = { hit: { ...base, result: 'hit' }, write: { ...base, result: 'write' }, miss: { ...base, result: 'miss' } };
      attrsOfRule.set(rule, a);
    }
    return a;
  };
  const record = (usage: TokenUsage, rule: string | undefined): void => {
    const split = cacheSplit(usage);
    if (!split) return;
    const attrs = attributesOf(rule);
    for (const result of CACHE_RESULTS) {
      const a = attrs[result];
      if (split[result] === 0 && created.has(a)) continue;
      created.add(a);
      counter.add(split[result], a);
    }
  };
  return { newRequest: (): RequestMetrics => new PromptCacheRequestMetrics(factory.newRequest(), record) };
}

type CacheResult = 'hit' | 'write' | 'miss';
const CACHE_RESULTS: readonly CacheResult[] = ['hit', 'write', 'miss'];

/** One request's hooks: the wrapped ones, plus the prompt-cache counter on token usage. */
class PromptCacheRequestMetrics extends DefaultRequestMetrics {
  private rule: string | undefined;

  constructor(
    inner: RequestMetrics,
    private readonly record: (usage: TokenUsage, rule: string | undefined) => void,
  ) {
    super(inner);
  }

  override setBackend(rule: string, backend?: string): void {
    this.rule = rule;
    super.setBackend(rule, backend);
  }

  override recordTokenUsage(usage: TokenUsage, attrs?: Attributes): void {
    super.recordTokenUsage(usage, attrs);
    this.record(usage, this.rule);
  }
}
