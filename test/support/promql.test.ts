import { describe, expect, it } from 'vitest';
import { analysePromql, parseLabelValuesQuery, withoutGrafanaIntervals } from './promql.js';

describe('analysePromql', () => {
  it('finds selectors with their matcher labels, and groupings with the metrics they group', () => {
    const facts = analysePromql(
      'histogram_quantile(0.95, sum by (le, gen_ai_request_model) (rate(gen_ai_server_time_to_first_token_seconds_bucket{llm_extproc_route=~"$route"}[$__rate_interval])))',
    );
    expect(facts.errors).toEqual([]);
    expect(facts.selectors).toEqual([{ metric: 'gen_ai_server_time_to_first_token_seconds_bucket', labels: ['llm_extproc_route'] }]);
    expect(facts.groupings).toEqual([{ kind: 'by', labels: ['le', 'gen_ai_request_model'], metrics: ['gen_ai_server_time_to_first_token_seconds_bucket'] }]);
  });

  it('scopes each grouping to its own aggregation, and binary matching to both sides', () => {
    const facts = analysePromql('sum by (route) (rate(a_total[5m])) / on (route) group_left (x) sum without (outcome) (rate(b_total[5m]))');
    expect(facts.errors).toEqual([]);
    expect(facts.selectors.map((s) => s.metric)).toEqual(['a_total', 'b_total']);
    expect(facts.groupings).toEqual([
      { kind: 'by', labels: ['route'], metrics: ['a_total'] },
      { kind: 'on', labels: ['route'], metrics: ['a_total', 'b_total'] },
      { kind: 'group', labels: ['x'], metrics: ['a_total', 'b_total'] },
      { kind: 'without', labels: ['outcome'], metrics: ['b_total'] },
    ]);
  });

  it('reads a modifier written after the aggregated expression', () => {
    expect(analysePromql('sum(rate(a_total[5m])) by (route)').groupings).toEqual([{ kind: 'by', labels: ['route'], metrics: ['a_total'] }]);
  });

  it.each([['sum(rate(a[5m])'], ['rate(a[5m]) +'], ['a{b="c"'], ['histogram_quantile(0.9, )'], ['']])('reports a syntax error in %j', (expr) => {
    expect(analysePromql(expr).errors.length).toBeGreaterThan(0);
  });

  it('replaces only Grafana interval variables', () => {
    expect(withoutGrafanaIntervals('rate(a{r=~"$route"}[$__rate_interval]) + increase(b[${__range}])')).toBe('rate(a{r=~"$route"}[5m]) + increase(b[5m])');
  });
});

describe('parseLabelValuesQuery', () => {
  it('reads metric and label', () => {
    expect(parseLabelValuesQuery('label_values(llm_extproc_requests_total, route)')).toEqual({ metric: 'llm_extproc_requests_total', label: 'route' });
    expect(parseLabelValuesQuery('label_values(route)')).toEqual({ metric: undefined, label: 'route' });
    expect(parseLabelValuesQuery('query_result(up)')).toBeUndefined();
  });
});
