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
 * with your project's `tsc` and point `metrics.module` at the `.js` output (see docs/extending.md).
 * In your own project, import from the package: `from 'llm-extproc'`.
 *
 * Exports, besides the built-in metrics:
 * - `llm_extproc.tenant.requests` (counter; Prometheus `llm_extproc_tenant_requests_total`), attribute `tenant`;
 * - `llm_extproc.tenant.tokens` (counter), attributes `tenant` and `gen_ai.token.type` (input | output).
 * Requests without the header count as tenant `none`; once `maxTenants` distinct tenants were
 * seen, new ones count as `other`, so a client cannot create unbounded time series.
 */
import type { Attributes } from '@opentelemetry/api';
import { z } from 'zod';
import { DefaultRequestMetrics, type MetricsFactory, type RequestStart, type TokenUsage } from '../../src/index.js';

/** `metrics.options`, checked when the config loads: a wrong option stops the load with its path and line. */
export const optionsSchema = z.strictObject({
  /** Request header naming the tenant. */
  header: z.string().min(1).default('x-tenant').transform((h) => h.toLowerCase()),
  /** Distinct tenants counted before new ones count as `other`. */
  maxTenants: z.int().positive().default(100),
});

/** The options the factory gets: the schema's output, defaults applied. */
export type TenantMetricsOptions = z.output<typeof optionsSchema>;

const createTenantMetrics: MetricsFactory<TenantMetricsOptions> = (meter, { options, defaultFactory }) => {
  const requests = meter.createCounter('llm_extproc.tenant.requests', { description: 'Requests per tenant.' });
  const tokens = meter.createCounter('llm_extproc.tenant.tokens', { description: 'Tokens per tenant and token type.' });
  const tenants = new Set<string>();

  const tenantOf = (headers: Readonly<Record<string, string>>): string => {
    const value = headers[options.header];
    if (value === undefined || value === '') return 'none';
    if (tenants.has(value)) return value;
    if (tenants.size >= options.maxTenants) return 'other';
    tenants.add(value);
    return value;
  };

  /** One request's hooks: the built-in metrics (via `super`) plus the tenant counters. */
  class TenantRequestMetrics extends DefaultRequestMetrics {
    private tenant = 'none';

    override startRequest(headers: Readonly<Record<string, string>>, start?: RequestStart): void {
      this.tenant = tenantOf(headers);
      requests.add(1, { tenant: this.tenant });
      super.startRequest(headers, start);
    }

    override recordTokenUsage(usage: TokenUsage, attrs?: Attributes): void {
      if (usage.input) tokens.add(usage.input, { tenant: this.tenant, 'gen_ai.token.type': 'input' });
      if (usage.output) tokens.add(usage.output, { tenant: this.tenant, 'gen_ai.token.type': 'output' });
      super.recordTokenUsage(usage, attrs);
    }
  }

  return { newRequest: () => new TenantRequestMetrics(defaultFactory.newRequest()) };
};

export default createTenantMetrics;
