/**
 * The upstream-level ext_proc filter: an ext_proc filter in a backend cluster's `http_filters`
 * (HttpProtocolOptions), run by Envoy for every upstream attempt after it picked the cluster.
 * llm-extproc recognises these calls by the `xds.cluster_name` attribute and puts that backend's
 * credential (and its `modelNameOverride`) on the attempt, so retries and fallback to another
 * provider carry the right key and model name.
 * The filter chain must end with the upstream codec filter.
 */
import type { BackendConfig } from '../config/schema.js';
import { HOST_METADATA_ATTRIBUTE } from '../resilience/attempt-backend.js';
import { EXTPROC_CLUSTER } from './bootstrap-clusters.js';
import { MESSAGE_TIMEOUT } from './bootstrap-routes.js';

type Json = Record<string, unknown>;

/** Backend schemas whose APIs name the model in the URL: renaming it needs no body. */
const URL_MODEL_SCHEMAS: ReadonlySet<string> = new Set(['AWSBedrock', 'AWSAnthropic', 'AzureOpenAI', 'GCPVertexAI', 'GCPAnthropic', 'GCPGemini']);

/** The attribute the upstream filter asks Envoy to send (the picked cluster). */
export const UPSTREAM_CLUSTER_ATTRIBUTE = 'xds.cluster_name';

/** What else the upstream filter of a cluster does besides credentials. */
export interface UpstreamFilterOptions {
  /**
   * Send each attempt's response headers (the provider's rate-limit wait, normalised for Envoy's
   * retry; attempt outcomes for the circuit breakers).
   */
  readonly attemptResponses?: boolean;
  /** Also ask for the picked endpoint's metadata (a failover cluster holds several backends). */
  readonly hostMetadata?: boolean;
  /** The input `schema` of the config: a backend of another schema is reached by translation. */
  readonly inputSchema?: string;
}

/** True when `backend`'s attempts need the buffered body (a signature over it, or a model renamed in it). */
function needsBody(backend: BackendConfig): boolean {
  return backend.auth?.aws !== undefined || (Boolean(backend.modelNameOverride) && !URL_MODEL_SCHEMAS.has(backend.schema?.name ?? 'OpenAI'));
}

/**
/**
 * True when requests reach `backend` by translation: its `schema` differs from the input
 * `schema` (AI Gateway v0.2 semantics; see docs/translation.md).
 */
export function translatesFor(backend: BackendConfig, inputSchema: string): boolean {
  return backend.schema !== undefined && backend.schema.name !== inputSchema;
}

/**
 * The upstream `http_filters` for a cluster of `backends`: ext_proc (request headers, plus the
 * buffered body when a credential is a signature over it, a model name is renamed in the body or
 * the request is translated; response headers when asked, and for a translated backend the
 * response, streamed, to translate it back) then the upstream codec.
 */
export function upstreamHttpFilters(backends: BackendConfig | readonly BackendConfig[], opts: UpstreamFilterOptions = {}): Json[] {
  const list = Array.isArray(backends) ? (backends as readonly BackendConfig[]) : [backends as BackendConfig];
  const translated = opts.inputSchema !== undefined && list.some((b) => translatesFor(b, opts.inputSchema!));
  return [
    {
      name: 'envoy.filters.http.ext_proc',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor',
        grpc_service: { envoy_grpc: { cluster_name: EXTPROC_CLUSTER } },
        failure_mode_allow: false,
        message_timeout: MESSAGE_TIMEOUT,
        // x-envoy-ratelimited on an attempt's response stops Envoy's retry (a provider wait too long).
        ...(opts.attemptResponses ? { mutation_rules: { allow_envoy: true } } : {}),
        request_attributes: opts.hostMetadata ? [UPSTREAM_CLUSTER_ATTRIBUTE, HOST_METADATA_ATTRIBUTE] : [UPSTREAM_CLUSTER_ATTRIBUTE],
        processing_mode: {
          request_header_mode: 'SEND',
          request_body_mode: translated || list.some(needsBody) ? 'BUFFERED' : 'NONE',
          request_trailer_mode: 'SKIP',
          response_header_mode: opts.attemptResponses || translated ? 'SEND' : 'SKIP',
          response_body_mode: translated ? 'STREAMED' : 'NONE',
          response_trailer_mode: 'SKIP',
        },
      },
    },
    {
      name: 'envoy.filters.http.upstream_codec',
      typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec' },
    },
  ];
}

/** True when `backend` needs the upstream-level call: it has `auth` or a `modelNameOverride`, or is reached by translation. */
export function needsUpstreamCall(backend: BackendConfig, inputSchema: string): boolean {
  return backend.auth !== undefined || Boolean(backend.modelNameOverride) || translatesFor(backend, inputSchema);
}

/** True when some backend needs the upstream-level call (the default for adding the upstream filter). */
export function anyUpstreamCall(rules: ReadonlyArray<{ readonly backends: readonly BackendConfig[] }>, inputSchema: string): boolean {
  return rules.some((r) => r.backends.some((b) => needsUpstreamCall(b, inputSchema)));
}

/** Adds the upstream filters to a generated cluster of `backend(s)` (in its HttpProtocolOptions). */
export function withUpstreamFilters(cluster: Json, backend: BackendConfig | readonly BackendConfig[], opts: UpstreamFilterOptions = {}): Json {
  const options = cluster['typed_extension_protocol_options'] as Record<string, Json>;
  const key = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
  return {
    ...cluster,
    typed_extension_protocol_options: { ...options, [key]: { ...options[key], http_filters: upstreamHttpFilters(backend, opts) } },
  };
}
