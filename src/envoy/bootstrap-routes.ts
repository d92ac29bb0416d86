/**
 * The HTTP side of the generated Envoy config: the route table (one route per rule, matched on
 * the header llm-extproc writes, plus a catch-all), the HTTP filter chain (health check,
 * ext_proc, router), the JSON access log of our dynamic metadata, and the token rate limit
 * example. Plain JSON objects in Envoy's v3 YAML shape.
 */
import type { Config, RuleConfig } from '../config/schema.js';
import { EXTPROC_CLUSTER, EnvoyConfigError, type BackendCluster } from './bootstrap-clusters.js';
import { USAGE_METADATA_KEYS } from '../metrics/dynamic-metadata.js';
import { BACKENDS_HEADER, SET_METADATA_KEY, setName, survivingSets } from '../resilience/backend-sets.js';
import { failoverClusterName, failoverOrder } from './bootstrap-failover.js';
import { isFailoverRule, retryPolicy as ruleRetryPolicy, wantsAttemptResponses } from './bootstrap-resilience.js';
import { CORS_FILTER, virtualHostCors } from './bootstrap-cors.js';

type Json = Record<string, unknown>;

/** Name of the catch-all route. */
export const NO_ROUTE_NAME = 'no_matching_rule';

/** Body of the catch-all 404 (OpenAI error shape, which the OpenAI-compatible clients parse). */
export const NO_ROUTE_BODY = JSON.stringify({
  error: {
    message: 'no route for this request: llm-extproc selected no rule for its model and path',
    type: 'not_found_error',
    code: 'route_not_found',
  },
});

/** Path Envoy's own readiness is served on (health check filter; never reaches llm-extproc). */
export const ENVOY_READY_PATH = '/ready';

/**
 * How long a request may stay silent (no bytes either way) before Envoy gives up: 10 minutes,
 * the default request timeout of the OpenAI and Anthropic SDKs. Non-streaming answers of
 * reasoning models send nothing until they are done.
 */
export const IDLE_TIMEOUT = '600s';

/** The route of one rule: header `selectedRouteHeaderKey` == rule name → its cluster(s). */
export function ruleRoute(config: Config, rule: RuleConfig, clusters: readonly BackendCluster[]): Json {
  const action: Json = isFailoverRule(rule)
    ? { cluster: failoverClusterName(rule.name) }
    : clusters.length === 1
      ? { cluster: (clusters[0] as BackendCluster).name }
      : {
          weighted_clusters: {
            clusters: clusters.map((c, i) => ({ name: c.name, weight: rule.backends[i]?.weight ?? 1 })),
          },
        };
  return {
    name: rule.name,
    match: { prefix: '/', headers: [{ name: config.selectedRouteHeaderKey, string_match: { exact: rule.name } }] },
    route: {
      ...action,
      auto_host_rewrite: true,
      timeout: '0s',
      idle_timeout: IDLE_TIMEOUT,
      retry_policy: ruleRetryPolicy(config, rule, IDLE_TIMEOUT),
    },
  };
}

/**
 * The variants of a rule's route that skip backends (see src/resilience/backend-sets.ts): one per
 * surviving set, matched on the route header and {@link BACKENDS_HEADER}, before the rule's own
 * route. A failover rule's variant narrows its cluster to the set's endpoints (`metadata_match`);
 * a weighted rule's variant weighs only the set's clusters. None without `resilience.breaker`,
 * for a rule of one backend, or for one whose backends share a name.
 */
export function skipVariants(config: Config, rule: RuleConfig, clusters: readonly BackendCluster[]): Json[] {
  const names = rule.backends.map((b) => b.name);
  if (!config.resilience.breaker.enabled || new Set(names).size !== names.length) return [];
  const failover = isFailoverRule(rule);
  const base = ruleRoute(config, rule, clusters);
  const order = failover ? failoverOrder(rule) : names;
  return survivingSets(order).map((set) => {
    const name = setName(set);
    let action: Json;
    if (failover) {
      action = { ...(base['route'] as Json), metadata_match: { filter_metadata: { 'envoy.lb': { [SET_METADATA_KEY]: name } } } };
    } else {
      const { weighted_clusters: _w, cluster: _c, ...rest } = base['route'] as Json;
      const kept = rule.backends.map((b, i) => ({ b, c: clusters[i] as BackendCluster })).filter(({ b }) => set.includes(b.name));
      const target =
        kept.length === 1 ? { cluster: kept[0]!.c.name } : { weighted_clusters: { clusters: kept.map(({ b, c }) => ({ name: c.name, weight: Math.max(1, b.weight ?? 1) })) } };
      action = { ...target, ...rest };
    }
    return {
      name: `${rule.name}/${name}`,
      match: {
        prefix: '/',
        headers: [
          { name: config.selectedRouteHeaderKey, string_match: { exact: rule.name } },
          { name: BACKENDS_HEADER, string_match: { exact: name } },
        ],
      },
      route: action,
    };
  });
}

/** The catch-all: answers 404 when llm-extproc left the route header unset (see bootstrap.ts). */
export function catchAllRoute(): Json {
  return {
    name: NO_ROUTE_NAME,
    match: { prefix: '/' },
    direct_response: { status: 404, body: { inline_string: NO_ROUTE_BODY } },
    response_headers_to_add: [{ header: { key: 'content-type', value: 'application/json' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
  };
}

/** The route table. Throws for weights that add up to zero. */
export function routeConfiguration(config: Config, byRule: ReadonlyMap<string, readonly BackendCluster[]>): Json {
  const routes = config.rules.map((rule) => {
    const clusters = byRule.get(rule.name) ?? [];
    if (clusters.length > 1 && rule.backends.every((b) => (b.weight ?? 1) === 0)) {
      throw new EnvoyConfigError(`rule ${JSON.stringify(rule.name)}: backend weights add up to 0; give at least one backend a weight above 0`);
    }
    return [...skipVariants(config, rule, clusters), ruleRoute(config, rule, clusters)];
  });
  const cors = virtualHostCors(config);
  return {
    name: 'llm_routes',
    virtual_hosts: [
      {
        name: 'llm',
        domains: ['*'],
        routes: [...routes.flat(), catchAllRoute()],
        ...(cors ? { typed_per_filter_config: { [CORS_FILTER]: cors } } : {}),
      },
    ],
  };
}

/** ext_proc message timeout: see bootstrap.ts for the reasoning. */
export const MESSAGE_TIMEOUT = '10s';

/** The ext_proc HTTP filter. */
export function extProcFilter(config: Config): Json {
  return {
    name: 'envoy.filters.http.ext_proc',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor',
      grpc_service: { envoy_grpc: { cluster_name: EXTPROC_CLUSTER } },
      failure_mode_allow: false,
      message_timeout: MESSAGE_TIMEOUT,
      allow_mode_override: true,
      // Removes the x-envoy-ratelimited an attempt got (src/resilience/retry-signal.ts) before the client sees it.
      ...(wantsAttemptResponses(config) ? { mutation_rules: { allow_envoy: true } } : {}),
      processing_mode: {
        request_header_mode: 'SEND',
        request_body_mode: 'BUFFERED',
        response_header_mode: 'SEND',
        response_body_mode: 'BUFFERED',
      },
      metadata_options: { receiving_namespaces: { untyped: [config.metadataNamespace] } },
    },
  };
}

/** Envoy's own readiness endpoint, answered before any other filter runs. */
export function healthCheckFilter(): Json {
  return {
    name: 'envoy.filters.http.health_check',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck',
      pass_through_mode: false,
      headers: [{ name: ':path', string_match: { exact: ENVOY_READY_PATH } }],
    },
  };
}

/** The terminal router filter. */
export function routerFilter(): Json {
  return { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };
}

/** Metadata key holding a request's total tokens: the TotalToken cost's key, else the one always written. */
export function totalTokensKey(config: Config): string {
  return config.llmRequestCosts.find((c) => c.type === 'TotalToken')?.metadataKey ?? USAGE_METADATA_KEYS.totalTokens;
}

/** stdout access log, one JSON object per request, with the dynamic metadata llm-extproc wrote. */
export function accessLog(config: Config): Json[] {
  const md = (key: string): string => `%DYNAMIC_METADATA(${config.metadataNamespace}:${key})%`;
  const format: Record<string, string> = {
    start_time: '%START_TIME%',
    method: '%REQ(:METHOD)%',
    path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
    response_code: '%RESPONSE_CODE%',
    response_flags: '%RESPONSE_FLAGS%',
    response_code_details: '%RESPONSE_CODE_DETAILS%',
    duration_ms: '%DURATION%',
    request_id: '%REQ(X-REQUEST-ID)%',
    route_name: '%ROUTE_NAME%',
    upstream_cluster: '%UPSTREAM_CLUSTER%',
    upstream_host: '%UPSTREAM_HOST%',
    selected_route: `%REQ(${config.selectedRouteHeaderKey})%`,
    model: `%REQ(${config.modelNameHeaderKey})%`,
    request_model: md(USAGE_METADATA_KEYS.requestModel),
    response_model: md(USAGE_METADATA_KEYS.responseModel),
    backend: md(USAGE_METADATA_KEYS.backend),
    input_tokens: md(USAGE_METADATA_KEYS.inputTokens),
    cached_input_tokens: md(USAGE_METADATA_KEYS.cachedInputTokens),
    output_tokens: md(USAGE_METADATA_KEYS.outputTokens),
    reasoning_tokens: md(USAGE_METADATA_KEYS.reasoningTokens),
    total_tokens: md(USAGE_METADATA_KEYS.totalTokens),
  };
  for (const cost of config.llmRequestCosts) format[cost.metadataKey] = md(cost.metadataKey);
  return [
    {
      name: 'envoy.access_loggers.stdout',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
        log_format: { json_format: format },
      },
    },
  ];
}

/**
 * The token rate limit example (Envoy ≥ 1.33), as objects: the rate limit HTTP filter (between
 * ext_proc and the router), the `rate_limits` of a rule route (a request-time check, and a charge
 * of the response's total tokens when the stream is done), and the cluster of the rate limit
 * service. Rendered as comments in the generated file; tests validate these very objects.
 */
export function tokenRateLimitExample(config: Config): { httpFilter: Json; rateLimits: Json[]; cluster: Json } {
  const byUser = (): Json[] => [{ request_headers: { header_name: 'x-user-id', descriptor_key: 'user_id' } }];
  return {
    httpFilter: {
      name: 'envoy.filters.http.ratelimit',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit',
        domain: 'llm-tokens',
        failure_mode_deny: false,
        timeout: '0.5s',
        rate_limit_service: { transport_api_version: 'V3', grpc_service: { envoy_grpc: { cluster_name: 'ratelimit' } } },
      },
    },
    rateLimits: [
      { actions: byUser() },
      { actions: byUser(), hits_addend: { format: `%DYNAMIC_METADATA(${config.metadataNamespace}:${totalTokensKey(config)})%` }, apply_on_stream_done: true },
    ],
    cluster: {
      name: 'ratelimit',
      type: 'STRICT_DNS',
      connect_timeout: '1s',
      load_assignment: { cluster_name: 'ratelimit', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'ratelimit', port_value: 8081 } } } }] }] },
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
          explicit_http_config: { http2_protocol_options: {} },
        },
      },
    },
  };
}
