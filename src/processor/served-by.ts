/**
 * Which backend and provider served a request, as the per-attempt path names them on the
 * response (Envoy picked the backend; a translated attempt also names the provider whose API it
 * spoke): what usage, cost, metrics and the ledger then record instead of the rule's first
 * backend and the provider the client's API implies.
 */
import { KNOWN_PROVIDERS } from '../metrics/genai-metrics.js';
import type { RequestMetrics } from '../metrics/request-metrics.js';
import type { Generation } from './generation.js';
import type { MutableHookRequest } from './hook-run.js';

/** The served backend and provider of one request, once named. */
export class ServedBy {
  /** The backend that served the response, when the per-attempt path named it. */
  backend: string | undefined;
  /** The provider that served the response, when a translated attempt named it. */
  provider: string | undefined;

  constructor(
    private readonly gen: Generation,
    private readonly req: MutableHookRequest,
    private readonly metrics: RequestMetrics,
  ) {}

  /**
   * The per-attempt path named the backend (one of the rule's, which Envoy picked): it, and the
   * model name it was sent, are what usage, cost and the ledger record.
   */
  nameBackend(backend: string): void {
    const rule = this.gen.config.rules.find((r) => r.name === this.req.rule);
    const served = rule?.backends.find((b) => b.name === backend);
    if (!served) return;
    this.backend = backend;
    this.req.sentModel = served.modelNameOverride || undefined;
    this.metrics.setBackend(this.req.rule!, backend);
  }

  /** A translated attempt named the provider whose API served it (a well-known name only). */
  nameProvider(provider: string): void {
    if (!KNOWN_PROVIDERS.has(provider)) return;
    this.provider = provider;
    this.metrics.setProvider?.(provider);
  }
}
