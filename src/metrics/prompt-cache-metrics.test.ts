import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import type { RequestMetrics } from './request-metrics.js';
import { cacheSplit, PROMPT_CACHE_TOKENS, withPromptCacheMetrics } from './prompt-cache-metrics.js';

describe('cacheSplit', () => {
  it('splits input into hit, write and miss', () => {
    expect(cacheSplit({ input: 100, cachedInput: 60, cacheCreationInput: 30 })).toEqual({ hit: 60, write: 30, miss: 10 });
    expect(cacheSplit({ input: 10 })).toEqual({ hit: 0, write: 0, miss: 10 });
    expect(cacheSplit({ input: 5, cachedInput: 9 })).toEqual({ hit: 9, write: 0, miss: 0 });
    expect(cacheSplit({ output: 5 })).toBeUndefined();
    expect(cacheSplit({ input: Number.NaN })).toBeUndefined();
  });
});

describe('withPromptCacheMetrics', () => {
  it('counts tokens by result and route, and forwards every hook', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const calls: string[] = [];
    const inner: RequestMetrics = {
      startRequest: () => calls.push('start'),
      setModel: () => calls.push('model'),
      setBackend: () => calls.push('backend'),
      recordTokenUsage: () => calls.push('usage'),
      recordRequestCompletion: () => calls.push('completion'),
      recordTokenLatency: () => calls.push('latency'),
    };
    const m = withPromptCacheMetrics({ newRequest: () => inner }, provider.getMeter('t')).newRequest();
    m.startRequest({});
    m.setModel('x');
    m.setBackend('openai');
    m.recordTokenLatency(1);
    m.recordTokenUsage({ input: 100, cachedInput: 80 });
    m.recordRequestCompletion(true);
    expect(calls).toEqual(['start', 'model', 'backend', 'latency', 'usage', 'completion']);
    await reader.forceFlush();
    const metric = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)).find((x) => x.descriptor.name === PROMPT_CACHE_TOKENS)!;
    const byResult = Object.fromEntries(metric.dataPoints.map((p) => [p.attributes['result'], [p.value, p.attributes['llm_extproc.route']]]));
    expect(byResult).toEqual({ hit: [80, 'openai'], write: [0, 'openai'], miss: [20, 'openai'] });
    await provider.shutdown();
  });
});
