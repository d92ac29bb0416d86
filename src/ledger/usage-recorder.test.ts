import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { fakeOutcome } from '../testing.js';
import type { LedgerRecord } from './ledger-record.js';
import type { LedgerRuntime } from './ledger-runtime.js';
import { usageHook } from './usage-recorder.js';

describe('the usage hook', () => {
  it('adds the cost by project and model, and records each LLM request in the ledger as the outcome says', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const meter = new MeterProvider({ readers: [reader] }).getMeter('t');
    const records: LedgerRecord[] = [];
    const hook = usageHook(meter, { record: (r: LedgerRecord) => void records.push(r) } as unknown as LedgerRuntime, () => 1_000);
    hook.onOutcome!(fakeOutcome({ costUsd: 0.5, key: { id: 'k1', project: 'team-a' }, backend: 'openai', provider: 'openai', sentModel: 'gpt-4o-mini-2024-07-18' }), undefined);
    hook.onOutcome!(fakeOutcome({ api: undefined }), undefined); // not an LLM API request: nothing
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ ts: 1_000, project: 'team-a', keyId: 'k1', backend: 'openai', provider: 'openai', requestModel: 'gpt-4o-mini', sentModel: 'gpt-4o-mini-2024-07-18', costUsd: 0.5, totalTokens: 15 });
    await reader.forceFlush();
    const cost = exporter.getMetrics().flatMap((m) => m.scopeMetrics.flatMap((s) => s.metrics)).find((m) => m.descriptor.name === 'gen_ai.client.cost');
    expect(cost?.dataPoints.map((p) => [p.attributes, p.value])).toEqual([[{ 'llm_extproc.project': 'team-a', 'gen_ai.request.model': 'gpt-4o-mini' }, 0.5]]);
  });
});
