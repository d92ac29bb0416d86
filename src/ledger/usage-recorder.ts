/**
 * What happens to a finished request's usage: the `gen_ai.client.cost` counter (USD, by
 * project and model) and, when the ledger is on, a ledger record and the budget spend.
 */
import { randomUUID } from 'node:crypto';
import type { Counter, Meter } from '@opentelemetry/api';
import { ALL_APIS } from '../apis/registry.js';
import { providerFor } from '../metrics/genai-metrics.js';
import type { RequestOutcome } from '../hooks/outcome.js';
import { recordFromOutcome } from './ledger-record.js';
import type { LedgerRuntime } from './ledger-runtime.js';

/** Counter of request cost in USD. */
export const COST_METRIC = 'gen_ai.client.cost';
/** Counter of requests whose model has no price, by model. */
export const PRICING_MISSING_METRIC = 'llm_extproc.pricing.missing';

const PROVIDER_OF_API = new Map(ALL_APIS.map((a) => [a.id, a.provider]));

/** The `llm_extproc.pricing.missing` counter as a callback for price tables. */
export function pricingMissingCounter(meter: Meter): (model: string) => void {
  const counter = meter.createCounter(PRICING_MISSING_METRIC, { description: 'Requests whose model has no price in pricing.file', unit: '{request}' });
  return (model) => counter.add(1, { 'gen_ai.request.model': model });
}

/** Records the usage of finished requests. Never throws. */
export class UsageRecorder {
  private readonly cost: Counter;

  constructor(
    meter: Meter,
    /** Backend name of a rule, in the current config. */
    private readonly backendOf: (rule: string) => string | undefined,
    private readonly ledger?: LedgerRuntime,
    private readonly now: () => number = Date.now,
  ) {
    this.cost = meter.createCounter(COST_METRIC, { description: 'Cost of requests, from pricing.file', unit: 'USD' });
  }

  /** One finished request. */
  completed(o: RequestOutcome): void {
    if (o.api === undefined) return;
    if (typeof o.costUsd === 'number' && o.costUsd > 0) {
      this.cost.add(o.costUsd, {
        'llm_extproc.project': o.key?.project ?? '',
        'gen_ai.request.model': o.model ?? '',
      });
    }
    if (!this.ledger) return;
    const record = recordFromOutcome(o, {
      now: this.now(),
      backendOf: this.backendOf,
      providerOf: (api) => PROVIDER_OF_API.get(api),
      newId: randomUUID,
    });
    const known = providerFor(record.provider ?? undefined, record.backend ?? undefined);
    this.ledger.record(known && known !== record.provider ? { ...record, provider: known } : record);
  }
}
