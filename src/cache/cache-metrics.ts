/**
 * The response cache's instruments (docs/metrics.md), created once per process on the injected
 * meter.
 */
import type { Meter } from '@opentelemetry/api';
import type { TokenUsage } from '../apis/api.js';

/** Requests the cache looked at, by `llm_extproc.cache.result` (hit, miss, bypass) and the reason of a bypass or of a miss despite an entry. */
export const CACHE_REQUESTS_METRIC = 'llm_extproc.cache.requests';
/** Responses stored. */
export const CACHE_STORES_METRIC = 'llm_extproc.cache.stores';
/** Entries evicted from the memory store to make room. */
export const CACHE_EVICTIONS_METRIC = 'llm_extproc.cache.evictions';
/** Store failures and timeouts, by operation. */
export const CACHE_ERRORS_METRIC = 'llm_extproc.cache.errors';
/** Body bytes written to the store. */
export const CACHE_STORED_BYTES_METRIC = 'llm_extproc.cache.stored.bytes';
/** Body bytes answered from the cache. */
export const CACHE_SERVED_BYTES_METRIC = 'llm_extproc.cache.served.bytes';
/** Time a lookup took (hit or miss; a timeout counts its bound). */
export const CACHE_LOOKUP_METRIC = 'llm_extproc.cache.lookup.duration';
/** Tokens of the original responses the hits replayed. */
export const CACHE_SAVED_TOKENS_METRIC = 'llm_extproc.cache.saved.tokens';
/** What the hits' original requests cost (USD). */
export const CACHE_SAVED_COST_METRIC = 'llm_extproc.cache.saved.cost';

/** Why the cache was not used for a request it could have served. */
export type BypassReason = 'no_store' | 'denied' | 'not_deterministic' | 'client_credential' | 'body_not_cacheable';

/** Why a request of a cached rule went upstream although an entry was found: it could not be served in the form asked for. */
export type MissReason = 'not_convertible';

/** The cache's counters. */
export class CacheMetrics {
  private readonly requests;
  private readonly stores;
  private readonly evictions;
  private readonly errors;
  private readonly storedBytes;
  private readonly servedBytes;
  private readonly lookup;
  private readonly savedTokens;
  private readonly savedCost;

  constructor(meter: Meter) {
    this.requests = meter.createCounter(CACHE_REQUESTS_METRIC, { description: 'Requests the response cache looked at, by result', unit: '{request}' });
    this.stores = meter.createCounter(CACHE_STORES_METRIC, { description: 'Responses stored in the response cache', unit: '{response}' });
    this.evictions = meter.createCounter(CACHE_EVICTIONS_METRIC, { description: 'Entries evicted from the memory store to make room', unit: '{entry}' });
    this.errors = meter.createCounter(CACHE_ERRORS_METRIC, { description: 'Response store failures and timeouts, by operation', unit: '{error}' });
    this.storedBytes = meter.createCounter(CACHE_STORED_BYTES_METRIC, { description: 'Bytes written to the response store', unit: 'By' });
    this.servedBytes = meter.createCounter(CACHE_SERVED_BYTES_METRIC, { description: 'Bytes served from the response cache', unit: 'By' });
    this.lookup = meter.createHistogram(CACHE_LOOKUP_METRIC, {
      description: 'Duration of response cache lookups',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05] },
    });
    this.savedTokens = meter.createCounter(CACHE_SAVED_TOKENS_METRIC, { description: 'Tokens of the responses served from the cache', unit: '{token}' });
    this.savedCost = meter.createCounter(CACHE_SAVED_COST_METRIC, { description: 'Cost of the original requests of the responses served from the cache', unit: 'USD' });
  }

  /** A hit of `rule`: its body size, the original usage and price. */
  hit(rule: string, usage: TokenUsage, bytes: number, costUsd: number | null | undefined): void {
    this.requests.add(1, { 'llm_extproc.cache.result': 'hit', 'llm_extproc.rule': rule });
    this.servedBytes.add(bytes);
    if (typeof usage.input === 'number') this.savedTokens.add(usage.input, { 'gen_ai.token.type': 'input' });
    if (typeof usage.output === 'number') this.savedTokens.add(usage.output, { 'gen_ai.token.type': 'output' });
    if (typeof costUsd === 'number' && costUsd > 0) this.savedCost.add(costUsd);
  }

  /** A miss of `rule`; `reason` when an entry was found but could not be served. */
  miss(rule: string, reason?: MissReason): void {
    this.requests.add(1, { 'llm_extproc.cache.result': 'miss', ...(reason !== undefined ? { 'llm_extproc.cache.reason': reason } : {}), 'llm_extproc.rule': rule });
  }

  /** A request of `rule` that did not use the cache, and why. */
  bypass(rule: string, reason: BypassReason): void {
    this.requests.add(1, { 'llm_extproc.cache.result': 'bypass', 'llm_extproc.cache.reason': reason, 'llm_extproc.rule': rule });
  }

  /** A response of `bytes` body bytes stored. */
  stored(bytes: number): void {
    this.stores.add(1);
    this.storedBytes.add(bytes);
  }

  /** An entry evicted to make room. */
  evicted(): void {
    this.evictions.add(1);
  }

  /** A store failure or a lookup past its bound. */
  error(operation: 'get' | 'set' | 'timeout'): void {
    this.errors.add(1, { 'llm_extproc.cache.operation': operation });
  }

  /** How long one lookup took. */
  lookupSeconds(s: number): void {
    this.lookup.record(s);
  }
}
