import { describe, expect, it } from 'vitest';
import { prometheusMetricName, prometheusUnitSuffix } from './prometheus-names.js';

describe('prometheusUnitSuffix', () => {
  it('translates the units Prometheus has words for', () => {
    expect(prometheusUnitSuffix('s', false)).toBe('seconds');
    expect(prometheusUnitSuffix('ms', false)).toBe('milliseconds');
    expect(prometheusUnitSuffix('By', false)).toBe('bytes');
    expect(prometheusUnitSuffix('By/s', false)).toBe('bytes_per_second');
    expect(prometheusUnitSuffix('1/s', false)).toBe('per_second');
    expect(prometheusUnitSuffix('{request}/s', false)).toBe('per_second');
  });

  it('adds nothing for annotations in braces, unknown units and no unit', () => {
    expect(prometheusUnitSuffix('{token}', false)).toBeUndefined();
    expect(prometheusUnitSuffix('USD', false)).toBeUndefined();
    expect(prometheusUnitSuffix(undefined, false)).toBeUndefined();
    expect(prometheusUnitSuffix('', true)).toBeUndefined();
  });

  it('reads the dimensionless 1 as ratio on gauges only', () => {
    expect(prometheusUnitSuffix('1', true)).toBe('ratio');
    expect(prometheusUnitSuffix('1', false)).toBeUndefined();
  });
});

describe('prometheusMetricName', () => {
  it('gives the GenAI histograms the names peers query', () => {
    expect(prometheusMetricName('gen_ai.server.request.duration', 's', false)).toBe('gen_ai_server_request_duration_seconds');
    expect(prometheusMetricName('gen_ai.server.time_to_first_token', 's', false)).toBe('gen_ai_server_time_to_first_token_seconds');
    expect(prometheusMetricName('gen_ai.server.time_per_output_token', 's', false)).toBe('gen_ai_server_time_per_output_token_seconds');
    expect(prometheusMetricName('gen_ai.client.token.usage', '{token}', false)).toBe('gen_ai_client_token_usage');
  });

  it('does not repeat a unit the name already says', () => {
    expect(prometheusMetricName('http.server.duration_seconds', 's', false)).toBe('http_server_duration_seconds');
    expect(prometheusMetricName('queue.bytes.used', 'By', true)).toBe('queue_bytes_used');
  });
});
