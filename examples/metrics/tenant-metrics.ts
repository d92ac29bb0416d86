/**
 * Example metrics module: counts requests and tokens per tenant, on top of the built-in
 * OpenTelemetry GenAI metrics.
 *
 * Config:
 * ```yaml
 * metrics:
 *   module: ./tenant-metrics.js
 *   options: { header: x-tenant, maxTenants: 100 }
 * ```
 *
 * The service loads modules with Node's `import()`, so it needs JavaScript: compile this file
 * (`tsc`, or any bundler) and point `metrics.module` at the `.js` output, or write your module as
 * `.js`/`.mjs` directly — the code is the same minus the type annotations. (Node versions with
 * built-in type stripping can load this `.ts` file as is: it uses type-only imports.)
 * In your own project, import the types from the package: `import type { MetricsFactory } from 'llm-extproc'`.
 *
 * Exports, besides the built-in metrics:
 * - `llm_extproc.tenant.requests` (counter; Prometheus `llm_extproc_tenant_requests_total`), attribute `tenant`;
 * - `llm_extproc.tenant.tokens` (counter), attributes `tenant` and `gen_ai.token.type` (input | output).
 * Requests without the header count as tenant `none`; once `maxTenants` distinct tenants were
 * seen, new ones count as `other`, so a client cannot create unbounded time series.
 */
import type { Attributes } from '@opentelemetry/api';
import type { MetricsFactory, RequestMetrics, RequestStart } from '../../src/metrics/request-metrics.js';
import type { TokenUsage } from '../../src/apis/api.js';

const createTenantMetrics: MetricsFactory = (meter, { options, defaultFactory }) => {
  const header = typeof options['header'] === 'string' ? options['header'].toLowerCase() : 'x-tenant';
  const maxTenants = typeof options['maxTenants'] === 'number' && options['maxTenants'] > 0 ? options['maxTenants'] : 100;
  const requests = meter.createCounter('llm_extproc.tenant.requests', { description: 'Requests per tenant.' });
  const tokens = meter.createCounter('llm_extproc.tenant.tokens', { description: 'Tokens per tenant and token type.' });
  const tenants = new Set<string>();

  const tenantOf = (headers: Readonly<Record<string, string>>): string => {
    const value = headers[header];
    if (value === undefined || value === '') return 'none';
    if (tenants.has(value)) return value;
    if (tenants.size >= maxTenants) return 'other';
    tenants.add(value);
    return value;
  };

  return {
    newRequest(): RequestMetrics {
      const inner = defaultFactory.newRequest();
      let tenant = 'none';
      return {
        startRequest(headers: Readonly<Record<string, string>>, start?: RequestStart) {
          tenant = tenantOf(headers);
          requests.add(1, { tenant });
          inner.startRequest(headers, start);
        },
        setModel: (model: string) => inner.setModel(model),
        setBackend: (rule: string, backend?: string) => inner.setBackend(rule, backend),
        setResponseModel: (model: string) => inner.setResponseModel?.(model),
        recordTokenUsage(usage: TokenUsage, attrs?: Attributes) {
          if (usage.input) tokens.add(usage.input, { tenant, 'gen_ai.token.type': 'input' });
          if (usage.output) tokens.add(usage.output, { tenant, 'gen_ai.token.type': 'output' });
          inner.recordTokenUsage(usage, attrs);
        },
        recordRequestCompletion: (success: boolean, attrs?: Attributes) => inner.recordRequestCompletion(success, attrs),
        recordTokenLatency: (n: number, attrs?: Attributes & { endOfStream?: boolean }) => inner.recordTokenLatency(n, attrs),
      };
    },
  };
};

export default createTenantMetrics;
