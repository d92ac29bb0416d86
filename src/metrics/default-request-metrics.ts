/**
 * A base class for a metrics module's per-request hooks: every hook forwards to the hooks it
 * wraps (usually the built-in GenAI metrics, `context.defaultFactory.newRequest()`), so a module
 * overrides only the hooks it adds to, and calls `super` to keep the built-in metrics.
 */
import type { Attributes } from '@opentelemetry/api';
import type { TokenUsage } from '../apis/api.js';
import type { RequestMetrics, RequestStart } from './request-metrics.js';

/**
 * Per-request hooks that do what `inner` does. Extend it and override what you need:
 *
 * ```ts
 * class TenantRequest extends DefaultRequestMetrics {
 *   override startRequest(headers, start) {
 *     requests.add(1, { tenant: headers['x-tenant'] ?? 'none' });
 *     super.startRequest(headers, start);
 *   }
 * }
 * const factory: MetricsFactory = (meter, { defaultFactory }) => ({ newRequest: () => new TenantRequest(defaultFactory.newRequest()) });
 * ```
 */
export class DefaultRequestMetrics implements RequestMetrics {
  /** @param inner the hooks every method forwards to. */
  constructor(protected readonly inner: RequestMetrics) {}

  startRequest(headers: Readonly<Record<string, string>>, start?: RequestStart): void {
    this.inner.startRequest(headers, start);
  }

  setModel(model: string): void {
    this.inner.setModel(model);
  }

  setBackend(rule: string, backend?: string): void {
    this.inner.setBackend(rule, backend);
  }

  setStream(stream: boolean): void {
    this.inner.setStream?.(stream);
  }

  setResponseModel(model: string): void {
    this.inner.setResponseModel?.(model);
  }

  setProvider(provider: string): void {
    this.inner.setProvider?.(provider);
  }

  recordTokenUsage(usage: TokenUsage, attrs?: Attributes): void {
    this.inner.recordTokenUsage(usage, attrs);
  }

  recordRequestCompletion(success: boolean, attrs?: Attributes): void {
    this.inner.recordRequestCompletion(success, attrs);
  }

  recordTokenLatency(tokens: number, attrs?: Attributes & { endOfStream?: boolean }): void {
    this.inner.recordTokenLatency(tokens, attrs);
  }
}
