import { describe, expect, it } from 'vitest';
import type { ReplayResult } from './replay-run.js';
import { formatSummary, percentile, summarize } from './replay-summary.js';

function ok(latencyMs: number, status: number, metadata: Record<string, Record<string, unknown>>, routeHeaderValue?: string): ReplayResult {
  return { source: 's', requestId: 'r', latencyMs, outcome: { status, local: false, metadata, messages: 4, ...(routeHeaderValue ? { routeHeaderValue } : {}) } };
}

describe('percentile', () => {
  it('is the nearest rank', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(v, 50), percentile(v, 90), percentile(v, 99), percentile(v, 100)]).toEqual([50, 90, 99, 100]);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBe(0);
  });
});

describe('summarize', () => {
  const ns = 'io.envoy.ai_gateway';
  const results: ReplayResult[] = [
    ok(10, 200, { [ns]: { input_tokens: 100, output_tokens: 20, total_tokens: 120, cost_usd: 0.5, route_name: 'openai' } }, 'openai'),
    ok(30, 200, { [ns]: { input_tokens: 1, output_tokens: 2, total_tokens: 3, route_name: 'anthropic' } }),
    ok(20, 404, {}),
    { source: 'f.jsonl:4', requestId: 'r', latencyMs: 40, error: 'no reply within 10 ms' },
  ];

  it('counts rules, statuses, tokens and cost; latency percentiles over every stream', () => {
    const s = summarize(results, 2000);
    expect(s).toMatchObject({
      requests: 4,
      failed: 1,
      rules: { openai: 1, anthropic: 1, '(none)': 1 },
      statuses: { '200': 2, '404': 1, error: 1 },
      tokens: { input: 101, output: 22, total: 123 },
      costUsd: 0.5,
      latencyMs: { p50: 20, p90: 40, p99: 40, max: 40 },
      requestsPerSecond: 2,
      errors: [{ source: 'f.jsonl:4', error: 'no reply within 10 ms' }],
    });
  });

  it('formats a table with each section and the failures', () => {
    const text = formatSummary(summarize(results, 2000));
    expect(text.split('\n')[0]).toBe('4 requests in 2.00 s (2.0/s), 1 failed streams');
    expect(text).toMatch(/\n {2}openai +1 +33\.3%\n/);
    expect(text).toMatch(/\n {2}cost \(USD\) +0\.500000\n/);
    expect(text).toMatch(/\n {2}p50 +20\.0 ms\n/);
    expect(text).toContain('\nfailures\n  f.jsonl:4: no reply within 10 ms\n');
  });
});
