/**
 * The metrics hooks contract (mirrors Envoy AI Gateway v0.2 `x.ChatCompletionMetrics`, made
 * per request): one {@link RequestMetrics} object per HTTP request, created by a factory whose
 * instruments are created once.
 */
import type { Attributes, Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { TokenUsage } from '../apis/api.js';
import type { Config } from '../config/schema.js';

/** Facts known when a request starts. */
export interface RequestStart {
  /** Detected API id (`openai.chat_completions`). */
  readonly api: string;
  /** `gen_ai.operation.name`. */
  readonly operation: string;
  /** `gen_ai.provider.name` default for the API. */
  readonly provider: string;
}

/** Per-request hooks. Every method may be called at most as documented; none may throw (they are isolated anyway). */
export interface RequestMetrics {
  /** Called once with the lower-cased request headers when the request starts. */
  startRequest(headers: Readonly<Record<string, string>>, start?: RequestStart): void;
  /** The requested model, once extracted. */
  setModel(model: string): void;
  /** The route rule (and backend name when known) chosen for the request. */
  setBackend(rule: string, backend?: string): void;
  /**
   * Whether the request asks for a streamed response, once known: from the URL (`alt=sse`,
   * `:streamGenerateContent`) or the body's `stream`. Called once, before any record.
   */
  setStream?(stream: boolean): void;
  /** The model the provider says answered. */
  setResponseModel?(model: string): void;
  /**
   * The `gen_ai.provider.name` of the provider that served the request, once known, when it is
   * not the one the client's API implies (a request translated for another provider's API).
   */
  setProvider?(provider: string): void;
  /** Token usage of the finished response. */
  recordTokenUsage(usage: TokenUsage, attrs?: Attributes): void;
  /** Called once at the end: success or not, with `error.type` in attrs on failure. */
  recordRequestCompletion(success: boolean, attrs?: Attributes): void;
  /**
   * Called on each streamed response body chunk with the output tokens counted so far;
   * `endOfStream` on the last one. The default records TTFT on the first call and
   * time per output token at the end.
   */
  recordTokenLatency(tokens: number, attrs?: Attributes & { endOfStream?: boolean }): void;
}

/** Creates per-request hook objects; instruments live in the factory. */
export interface RequestMetricsFactory {
  newRequest(): RequestMetrics;
}

/** `metrics.options` as written in the config, when the module exports no `optionsSchema`. */
export type MetricsOptions = Readonly<Record<string, unknown>>;

/**
 * What a metrics module's factory receives besides the meter.
 * @typeParam Options the type of `options`: the output of the module's `optionsSchema`, else {@link MetricsOptions}.
 */
export interface MetricsContext<Options = MetricsOptions> {
  /** The whole loaded (frozen) config. */
  readonly config: Config;
  /** `metrics.options`: validated by the module's `optionsSchema` when it exports one, else as given. */
  readonly options: Options;
  /** A child logger named after the module. */
  readonly logger: Logger;
  /** The built-in OTel GenAI factory, to wrap or replace. */
  readonly defaultFactory: RequestMetricsFactory;
}

/**
 * Default export of a metrics module.
 * @typeParam Options the type of `context.options` (see {@link MetricsContext}).
 */
export type MetricsFactory<Options = MetricsOptions> = (meter: Meter, context: MetricsContext<Options>) => RequestMetricsFactory | Promise<RequestMetricsFactory>;
