import { describe, expect, it } from 'vitest';
import { promqlOf } from './docs-promql.js';

describe('promqlOf', () => {
  it('takes each line of a promql block, inline selectors on our metrics, and histogram families as _count', () => {
    const md = [
      'Reloads: `llm_extproc_config_reloads_total{outcome="failure"}` counts them.',
      '| `gen_ai.server.request.duration` | `gen_ai_server_request_duration_seconds_*` | `s` |',
      'Not PromQL: `gen_ai.client.token.usage`, `llm-extproc check`, `outcome`.',
      '```promql',
      '# a comment',
      'sum(rate(llm_extproc_requests_total[5m]))',
      '```',
      '```promql',
      'sum(rate(llm_extproc_streams_total[5m]))',
      '/',
      'sum(rate(llm_extproc_requests_total[5m]))',
      '```',
      '```sh',
      'curl -s localhost:9464/metrics | grep llm_extproc_requests_total',
      '```',
    ].join('\n');
    expect(promqlOf('x.md', md)).toEqual([
      { where: 'x.md:1', expr: 'llm_extproc_config_reloads_total{outcome="failure"}' },
      { where: 'x.md:2', expr: 'gen_ai_server_request_duration_seconds_count' },
      { where: 'x.md:6', expr: 'sum(rate(llm_extproc_requests_total[5m]))' },
      { where: 'x.md:9', expr: 'sum(rate(llm_extproc_streams_total[5m])) / sum(rate(llm_extproc_requests_total[5m]))' },
    ]);
  });
});
