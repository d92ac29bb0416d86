/**
 * What happens to a finished request's usage, as an outcome hook: the `gen_ai.client.cost`
 * counter (USD, by project and model) and, when the ledger is on, a ledger record and the
 * budget spend.
 */
import { randomUUID } from 'node:crypto';
import type { Meter } from '@opentelemetry/api';
import type { Hook } from '../hooks/hook.js';
import { recordFromOutcome } from './ledger-record.js';
import type { LedgerRuntime } from './ledger-runtime.js';

/** Counter of request cost in USD. */
export const COST_METRIC = 'gen_ai.client.cost';
/** Counter of requests whose model has no price, by model. */
export const PRICING_MISSING_METRIC = 'llm_extproc.pricing.missing';

/** The `llm_extproc.pricing.missing` counter as a callback for price tables. */
export function pricingMissingCounter(meter: Meter): (model: string) => void {
  const counter = meter.createCounter(PRICING_MISSING_METRIC, { description: 'Requests whose model has no price in pricing.file', unit: '{request}' });
  return (model) => counter.add(1, { 'gen_ai.request.model': model });
}

/**
 * The usage hook: records each finished LLM API request. Built once per process (the cost
 * counter is created once) and put in every generation's hook list. Never throws.
 */
export function usageHook(meter: Meter, ledger: LedgerRuntime | undefined, now: () => number = Date.now): Hook {
  const cost = meter.createCounter(COST_METRIC, { description: 'Cost of requests, from pricing.file', unit: 'USD' });
  return {
    name: 'usage',
    onOutcome(o) {
      if (o.api === undefined) return;
      if (typeof o.costUsd === 'number' && o.costUsd > 0) {
        cost.add(o.costUsd, { 'llm_extproc.project': o.key?.project ?? '', 'gen_ai.request.model': o.model ?? '' });
      }
      ledger?.record(recordFromOutcome(o, { now: now(), newId: randomUUID }));
    },
  };
}
