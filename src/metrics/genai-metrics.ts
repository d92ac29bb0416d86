/**
 * The default metrics hooks: OpenTelemetry GenAI semantic-convention histograms. Instruments are
 * created once per factory; every request gets its own small {@link RequestMetrics} object, so
 * concurrent requests never share a start time or a model.
 *
 * Attributes of every record:
 * - `gen_ai.operation.name`, `gen_ai.provider.name` (the provider that served when the
 *   per-attempt path named it — a translated request — else see {@link providerFor}),
 *   `gen_ai.request.model`, `gen_ai.response.model` — each only once known;
 * - {@link ROUTE_ATTRIBUTE}: the route rule chosen for the request;
 * - {@link STREAM_ATTRIBUTE}: whether the request asked for a stream, once known (from the URL
 *   or the body);
 * - configured request-header → attribute mappings, capped per attribute (`attribute-cap.ts`);
 * - `error.type` on a failed request's duration;
 * - `gen_ai.token.type` on token usage records.
 * Attributes a caller passes to a hook are added last.
 */
import type { Attributes, Histogram, Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { TokenUsage } from '../apis/api.js';
import { HeaderAttributeMapper } from './attribute-cap.js';
import type { RequestMetrics, RequestMetricsFactory, RequestStart } from './request-metrics.js';

/** Bucket boundaries of `gen_ai.client.token.usage` (powers of 4, as the semantic conventions advise). */
export const TOKEN_USAGE_BUCKETS: readonly number[] = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
/** Bucket boundaries (seconds) of `gen_ai.server.request.duration`. */
export const REQUEST_DURATION_BUCKETS: readonly number[] = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
/** Bucket boundaries (seconds) of `gen_ai.server.time_to_first_token`. */
export const TIME_TO_FIRST_TOKEN_BUCKETS: readonly number[] = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 15, 20, 30, 45, 60,
];
/** Bucket boundaries (seconds) of `gen_ai.server.time_per_output_token`. */
export const TIME_PER_OUTPUT_TOKEN_BUCKETS: readonly number[] = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5,
];

/** Attribute naming the route rule (our own namespace: the GenAI conventions have no such attribute). */
export const ROUTE_ATTRIBUTE = 'llm_extproc.route';

/** Whether the request asked for a streamed response (the GenAI conventions' experimental attribute). */
export const STREAM_ATTRIBUTE = 'gen_ai.request.stream';

/** `error.type` used when a request failed and the caller gave no type (the conventions' fallback value). */
export const FALLBACK_ERROR_TYPE = '_OTHER';

/**
 * `gen_ai.provider.name` values a backend name may override the API's provider with. These are the
 * well-known values of the semantic conventions; any other backend name is a user's label, which
 * would say nothing about the provider and would let config add arbitrary series values.
 */
export const KNOWN_PROVIDERS: ReadonlySet<string> = new Set([
  'openai',
  'anthropic',
  'gcp.gemini',
  'gcp.vertex_ai',
  'aws.bedrock',
  'azure.openai',
]);

/**
 * The provider to report: the backend name when it is one of {@link KNOWN_PROVIDERS}
 * (it says who served the request), else the API's default provider (which only says which
 * wire format the client spoke, e.g. an OpenAI-compatible server).
 */
export function providerFor(apiProvider: string | undefined, backend: string | undefined): string | undefined {
  const b = backend?.toLowerCase();
  return b !== undefined && KNOWN_PROVIDERS.has(b) ? b : apiProvider;
}

/** Options of {@link createGenAiMetrics}. */
export interface GenAiMetricsOptions {
  /** Request header (lower-case) → attribute name, e.g. `{ 'x-tenant': 'tenant' }`. */
  readonly requestHeaderAttributes: Readonly<Record<string, string>>;
  /** Distinct values kept per header attribute before new ones are reported as `other`. */
  readonly maxAttributeValues: number;
  readonly logger: Logger;
  /** Monotonic clock in seconds (tests inject one); default `performance.now() / 1000`. */
  readonly now?: () => number;
}

/** The instruments shared by all requests of one factory. */
interface Instruments {
  readonly tokenUsage: Histogram;
  readonly requestDuration: Histogram;
  readonly timeToFirstToken: Histogram;
  readonly timePerOutputToken: Histogram;
  readonly headers: HeaderAttributeMapper;
  readonly now: () => number;
}

/** Token kinds recorded, as `gen_ai.token.type` values. */
const TOKEN_KINDS: ReadonlyArray<readonly [keyof TokenUsage, string]> = [
  ['input', 'input'],
  ['cachedInput', 'cached_input'],
  ['cacheCreationInput', 'cache_creation_input'],
  ['output', 'output'],
  ['reasoning', 'reasoning'],
];

function validCount(n: number | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}

/**
 * Creates the default metrics factory. The meter (named after the package by the caller) gets its
 * four histograms here, once.
 */
export function createGenAiMetrics(meter: Meter, opts: GenAiMetricsOptions): RequestMetricsFactory {
  const instruments: Instruments = {
    tokenUsage: meter.createHistogram('gen_ai.client.token.usage', {
      description: 'Number of input and output tokens used, by token type.',
      unit: '{token}',
      advice: { explicitBucketBoundaries: [...TOKEN_USAGE_BUCKETS] },
    }),
    requestDuration: meter.createHistogram('gen_ai.server.request.duration', {
      description: 'Time from the request reaching the processor to the end of its response.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...REQUEST_DURATION_BUCKETS] },
    }),
    timeToFirstToken: meter.createHistogram('gen_ai.server.time_to_first_token', {
      description: 'Time to the first chunk of a streamed response.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...TIME_TO_FIRST_TOKEN_BUCKETS] },
    }),
    timePerOutputToken: meter.createHistogram('gen_ai.server.time_per_output_token', {
      description: 'Time per output token after the first one, for streamed responses.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...TIME_PER_OUTPUT_TOKEN_BUCKETS] },
    }),
    headers: new HeaderAttributeMapper(opts.requestHeaderAttributes, opts.maxAttributeValues, (attribute, header) =>
      opts.logger.warn(
        { attribute, header, maxAttributeValues: opts.maxAttributeValues },
        'metric attribute reached its limit of distinct values; further new values are reported as "other"',
      ),
    ),
    now: opts.now ?? (() => performance.now() / 1000),
  };
  return { newRequest: () => new GenAiRequestMetrics(instruments) };
}

/** Per-request state: a handful of fields, no shared mutable state. */
class GenAiRequestMetrics implements RequestMetrics {
  private startedAt: number;
  private firstTokenAt: number | undefined;
  private tpotRecorded = false;
  private completed = false;
  private start: RequestStart | undefined;
  private headerAttrs: Attributes | undefined;
  private model: string | undefined;
  private responseModel: string | undefined;
  private rule: string | undefined;
  private backend: string | undefined;
  /** The provider that served, when the per-attempt path named one. */
  private provider: string | undefined;
  private stream: boolean | undefined;
  private base: Attributes | undefined;

  constructor(private readonly i: Instruments) {
    this.startedAt = i.now();
  }

  startRequest(headers: Readonly<Record<string, string>>, start?: RequestStart): void {
    this.startedAt = this.i.now();
    this.start = start;
    this.headerAttrs = this.i.headers.empty ? undefined : this.i.headers.attributes(headers);
    this.base = undefined;
  }

  setModel(model: string): void {
    this.model = model;
    this.base = undefined;
  }

  setBackend(rule: string, backend?: string): void {
    this.rule = rule;
    this.backend = backend;
    this.base = undefined;
  }

  setStream(stream: boolean): void {
    this.stream = stream;
    this.base = undefined;
  }

  setResponseModel(model: string): void {
    this.responseModel = model;
    this.base = undefined;
  }

  setProvider(provider: string): void {
    this.provider = provider;
    this.base = undefined;
  }

  recordTokenUsage(usage: TokenUsage, attrs?: Attributes): void {
    for (const [field, type] of TOKEN_KINDS) {
      const n = usage[field];
      if (validCount(n)) this.i.tokenUsage.record(n, this.attributes(attrs, 'gen_ai.token.type', type));
    }
  }

  recordRequestCompletion(success: boolean, attrs?: Attributes): void {
    if (this.completed) return;
    this.completed = true;
    const a = this.attributes(attrs);
    if (!success && a['error.type'] === undefined) a['error.type'] = FALLBACK_ERROR_TYPE;
    this.i.requestDuration.record(Math.max(0, this.i.now() - this.startedAt), a);
  }

  /**
   * The first call records time to first token. The `endOfStream` call records time per output
   * token, `(end − first token) / (tokens − 1)`, once, when more than one token came out and the
   * first token arrived in an earlier call (a response that arrives whole has no observable
   * inter-token time).
   */
  recordTokenLatency(tokens: number, attrs?: Attributes & { endOfStream?: boolean }): void {
    const now = this.i.now();
    let extra: Attributes | undefined;
    let endOfStream = false;
    if (attrs) {
      const { endOfStream: eos, ...rest } = attrs;
      endOfStream = eos === true;
      extra = rest;
    }
    if (this.firstTokenAt === undefined) {
      this.firstTokenAt = now;
      this.i.timeToFirstToken.record(Math.max(0, now - this.startedAt), this.attributes(extra));
      return;
    }
    if (endOfStream && !this.tpotRecorded && validCount(tokens) && tokens > 1) {
      this.tpotRecorded = true;
      this.i.timePerOutputToken.record(Math.max(0, now - this.firstTokenAt) / (tokens - 1), this.attributes(extra));
    }
  }

  /** A fresh attribute object: the request's base attributes plus extras. */
  private attributes(extra?: Attributes, key?: string, value?: string): Attributes {
    this.base ??= this.buildBase();
    const out: Attributes = { ...this.base };
    if (key !== undefined) out[key] = value;
    if (extra) Object.assign(out, extra);
    return out;
  }

  private buildBase(): Attributes {
    const a: Attributes = { ...this.headerAttrs };
    if (this.start) a['gen_ai.operation.name'] = this.start.operation;
    const provider = this.provider ?? providerFor(this.start?.provider, this.backend);
    if (provider !== undefined) a['gen_ai.provider.name'] = provider;
    if (this.model !== undefined) a['gen_ai.request.model'] = this.model;
    if (this.responseModel !== undefined) a['gen_ai.response.model'] = this.responseModel;
    if (this.rule !== undefined) a[ROUTE_ATTRIBUTE] = this.rule;
    if (this.stream !== undefined) a[STREAM_ATTRIBUTE] = this.stream;
    return a;
  }
}

/**
 * The default metrics for each config generation: `createGenAiMetrics` with the generation's
 * `metrics.requestHeaderAttributes` and `metrics.maxAttributeValues`. This is what the service's
 * `createDefaultMetrics` dependency expects.
 */
export function genAiMetricsPerConfig(
  meter: Meter,
  logger: Logger,
): (config: { readonly metrics: { readonly requestHeaderAttributes: Readonly<Record<string, string>>; readonly maxAttributeValues: number } }) => RequestMetricsFactory {
  return (config) =>
    createGenAiMetrics(meter, {
      requestHeaderAttributes: config.metrics.requestHeaderAttributes,
      maxAttributeValues: config.metrics.maxAttributeValues,
      logger,
    });
}
