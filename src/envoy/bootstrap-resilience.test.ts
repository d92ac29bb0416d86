import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadEmbeddedDefault, parseConfig } from '../config/load.js';
import { ENVOY_API_ALLOWLIST } from '../../test/support/envoy-api-allowlist.js';
import { validateEnvoyConfig } from '../../test/support/envoy-validator.js';
import { attemptBackend, HOST_METADATA_ATTRIBUTE } from '../resilience/attempt-backend.js';
import { BACKENDS_HEADER } from '../resilience/backend-sets.js';
import { RETRY_AFTER_HEADER } from '../resilience/retry-signal.js';
import { generateEnvoyConfig } from './bootstrap.js';

type Any = any;
const opts = { extprocAddress: { host: '127.0.0.1', port: 50051 }, listenerPort: 8080, full: true } as const;
const config = (text: string) => parseConfig(text, 'test').config;
const hcmOf = (doc: Any) => doc.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
const routesOf = (doc: Any) => hcmOf(doc).route_config.virtual_hosts[0].routes;
const clusterNamed = (doc: Any, name: string) => doc.static_resources.clusters.find((c: Any) => c.name === name);
const upstreamFilter = (c: Any) => c.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].http_filters?.[0]?.typed_config;
const problems = (yaml: string, allowlist = ENVOY_API_ALLOWLIST) => validateEnvoyConfig(yaml, { allowlist }).map((p) => `${p.path}: ${p.message}`);

const FAILOVER = `
resilience:
  retry: { perTryTimeoutMs: 120000, budgetPercent: 25, minRetryConcurrency: 4 }
  breaker: { enabled: true }
  outlierDetection: { consecutive5xx: 3 }
clientAddress: { xffNumTrustedHops: 1 }
cors:
  allowOrigins: ["https://app.example.com"]
rules:
  - name: chat
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    retry: { maxRateLimitWaitMs: 10000, retriableStatusCodes: [429, 529] }
    cors: { allowOrigins: ["https://*.partner.example"] }
    backends:
      - { name: openai, host: api.openai.com, priority: 0, auth: { apiKey: { env: OPENAI_KEY } } }
      - { name: azure, schema: { name: AzureOpenAI }, host: acme.openai.azure.com, priority: 1, modelNameOverride: gpt-4o-prod }
      - { name: local, host: vllm.models.svc, port: 8000, tls: false, priority: 2, modelNameOverride: llama-3.1-8b }
  - name: claude
    headers: [{ name: x-ai-eg-model, prefix: "claude-" }]
    backends:
      - { name: anthropic, host: api.anthropic.com }
`;

describe('generated retries', () => {
  const doc = parse(generateEnvoyConfig(config(FAILOVER), opts));

  it('retry 429 by default, with the normalised provider wait and the per-rule budget', () => {
    const claude = routesOf(doc).find((r: Any) => r.name === 'claude').route.retry_policy;
    expect(claude).toMatchObject({
      retry_on: 'connect-failure,refused-stream,reset,5xx,retriable-status-codes',
      retriable_status_codes: [429],
      num_retries: 2,
      rate_limited_retry_back_off: { reset_headers: [{ name: RETRY_AFTER_HEADER, format: 'SECONDS' }], max_interval: '30s' },
      per_try_timeout: '120s',
    });
    const chat = routesOf(doc).find((r: Any) => r.name === 'chat').route.retry_policy;
    expect(chat.retriable_status_codes).toEqual([429, 529]);
    expect(chat.rate_limited_retry_back_off.max_interval).toBe('10s');
  });

  it('without provider waits there is no rate-limited back-off, and without codes no retriable-status-codes', () => {
    const d = parse(generateEnvoyConfig(config('resilience: { retry: { rateLimitedStatuses: [], retriableStatusCodes: [] } }\nrules: [{ name: r, backends: [{ name: b, host: example.com }] }]'), opts));
    const policy = routesOf(d)[0].route.retry_policy;
    expect(policy.retry_on).toBe('connect-failure,refused-stream,reset,5xx');
    expect(policy.rate_limited_retry_back_off).toBeUndefined();
    expect(policy.per_try_timeout).toBeUndefined();
  });

  it('puts the retry budget into every backend cluster', () => {
    for (const c of doc.static_resources.clusters.filter((x: Any) => x.name !== 'llm_extproc')) {
      expect(c.circuit_breakers.thresholds[0].retry_budget).toEqual({ budget_percent: { value: 25 }, min_retry_concurrency: 4 });
    }
  });
});

describe('generated failover across backends', () => {
  const yaml = generateEnvoyConfig(config(FAILOVER), opts);
  const doc = parse(yaml);

  it('loads in Envoy, using nothing newer than the mid-2024 API snapshot', () => {
    expect(problems(yaml)).toEqual([]);
    expect(problems(yaml, [])).toEqual([]);
  });

  it('routes a failover rule to one cluster whose priorities are its backends, retrying into the next priority', () => {
    const route = routesOf(doc).find((r: Any) => r.name === 'chat').route;
    expect(route.cluster).toBe('failover_chat');
    expect(route.retry_policy.num_retries).toBe(2);
    expect(route.retry_policy.retry_priority).toMatchObject({ name: 'envoy.retry_priorities.previous_priorities', typed_config: { update_frequency: 1 } });
    expect(route.retry_policy.retry_host_predicate[0].name).toBe('envoy.retry_host_predicates.previous_hosts');
    const cluster = clusterNamed(doc, 'failover_chat');
    expect(cluster.load_assignment.endpoints.map((e: Any) => [e.locality.sub_zone, e.priority])).toEqual([
      ['openai', 0],
      ['azure', 1],
      ['local', 2],
    ]);
    // The failover backends need no clusters of their own.
    expect(doc.static_resources.clusters.map((c: Any) => c.name)).toEqual(['llm_extproc', 'backend_anthropic', 'failover_chat']);
  });

  it('gives each endpoint its own TLS, host name and identity, which the per-attempt path reads back', () => {
    const cluster = clusterNamed(doc, 'failover_chat');
    const eps = cluster.load_assignment.endpoints.map((e: Any) => e.lb_endpoints[0]);
    expect(eps.map((e: Any) => e.endpoint.hostname)).toEqual(['api.openai.com', 'acme.openai.azure.com', 'vllm.models.svc']);
    expect(eps.map((e: Any) => attemptBackend({ [HOST_METADATA_ATTRIBUTE]: e.metadata }))).toEqual([
      { rule: 'chat', backend: 'openai' },
      { rule: 'chat', backend: 'azure' },
      { rule: 'chat', backend: 'local' },
    ]);
    const sockets = Object.fromEntries(cluster.transport_socket_matches.map((m: Any) => [m.name, m.transport_socket]));
    expect(sockets.openai.typed_config.sni).toBe('api.openai.com');
    expect(sockets.azure.typed_config.sni).toBe('acme.openai.azure.com');
    expect(sockets.local.name).toBe('envoy.transport_sockets.raw_buffer');
    for (const e of eps) expect(cluster.transport_socket_matches.some((m: Any) => m.match.llm_extproc_backend === e.metadata.filter_metadata['envoy.transport_socket_match'].llm_extproc_backend)).toBe(true);
  });

  it('runs the per-attempt call on the failover cluster with the endpoint metadata and the attempt’s response headers', () => {
    const f = upstreamFilter(clusterNamed(doc, 'failover_chat'));
    expect(f.request_attributes).toEqual(['xds.cluster_name', HOST_METADATA_ATTRIBUTE]);
    // local renames the model in the body (azure's is in the URL): the body is buffered for every attempt of the cluster.
    expect(f.processing_mode).toMatchObject({ request_header_mode: 'SEND', request_body_mode: 'BUFFERED', response_header_mode: 'SEND' });
    expect(upstreamFilter(clusterNamed(doc, 'backend_anthropic')).processing_mode.response_header_mode).toBe('SEND');
    // x-envoy-ratelimited is set per attempt and removed at the router level: both filters may touch x-envoy-*.
    expect(f.mutation_rules).toEqual({ allow_envoy: true });
    const router = hcmOf(doc).http_filters.find((x: Any) => x.name === 'envoy.filters.http.ext_proc').typed_config;
    expect(router.mutation_rules).toEqual({ allow_envoy: true });
    const none = parse(generateEnvoyConfig(config('resilience: { retry: { rateLimitedStatuses: [] } }\nrules: [{ name: r, backends: [{ name: b, host: example.com }] }]'), opts));
    expect(hcmOf(none).http_filters.find((x: Any) => x.name === 'envoy.filters.http.ext_proc').typed_config.mutation_rules).toBeUndefined();
  });

  it('has a route variant per surviving backend set, before the rule’s route, narrowed by metadata_match', () => {
    const routes = routesOf(doc);
    const names = routes.map((r: Any) => r.name);
    expect(names.slice(0, 7)).toEqual(['chat/openai,azure', 'chat/openai,local', 'chat/azure,local', 'chat/openai', 'chat/azure', 'chat/local', 'chat']);
    const v = routes[2];
    expect(v.match.headers).toEqual([
      { name: 'x-ai-eg-selected-route', string_match: { exact: 'chat' } },
      { name: BACKENDS_HEADER, string_match: { exact: 'azure,local' } },
    ]);
    expect(v.route).toMatchObject({ cluster: 'failover_chat', metadata_match: { filter_metadata: { 'envoy.lb': { llm_extproc_sets: 'azure,local' } } } });
    const cluster = clusterNamed(doc, 'failover_chat');
    expect(cluster.lb_subset_config).toEqual({ fallback_policy: 'ANY_ENDPOINT', subset_selectors: [{ keys: ['llm_extproc_sets'] }], list_as_any: true });
    const azure = cluster.load_assignment.endpoints[1].lb_endpoints[0].metadata.filter_metadata['envoy.lb'].llm_extproc_sets;
    expect(azure).toEqual(['openai,azure', 'azure,local', 'azure']);
  });

  it('gives a weighted rule variants too (its clusters narrowed), and no rule variants without the breaker', () => {
    const weighted = `rules:
  - name: w
    backends:
      - { name: a, host: a.example, weight: 3 }
      - { name: b, host: b.example, weight: 1 }`;
    const on = routesOf(parse(generateEnvoyConfig(config(`resilience: { breaker: { enabled: true } }\n${weighted}`), opts)));
    expect(on.map((r: Any) => r.name)).toEqual(['w/a', 'w/b', 'w', 'no_matching_rule']);
    expect(on[0].route.cluster).toBe('backend_a');
    expect(on[0].route.retry_policy.num_retries).toBe(2);
    expect(on[2].route.weighted_clusters.clusters).toHaveLength(2);
    const off = routesOf(parse(generateEnvoyConfig(config(weighted), opts)));
    expect(off.map((r: Any) => r.name)).toEqual(['w', 'no_matching_rule']);
    const failoverOff = parse(generateEnvoyConfig(config(FAILOVER.replace('breaker: { enabled: true }', 'breaker: { enabled: false }')), opts));
    expect(routesOf(failoverOff).filter((r: Any) => r.name.startsWith('chat')).map((r: Any) => r.name)).toEqual(['chat']);
    expect(clusterNamed(failoverOff, 'failover_chat').lb_subset_config).toBeUndefined();
  });

  it('shares a priority by weight (locality weights), and renumbers priorities from 0', () => {
    const d = parse(
      generateEnvoyConfig(
        config(`rules:
  - name: r
    backends:
      - { name: a, host: a.example, priority: 5, weight: 3 }
      - { name: b, host: b.example, priority: 5, weight: 1 }
      - { name: c, host: c.example, priority: 9 }`),
        opts,
      ),
    );
    const c = clusterNamed(d, 'failover_r');
    expect(c.common_lb_config).toEqual({ locality_weighted_lb_config: {} });
    expect(c.load_assignment.endpoints.map((e: Any) => [e.locality.sub_zone, e.priority, e.load_balancing_weight])).toEqual([
      ['a', 0, 3],
      ['b', 0, 1],
      ['c', 1, 1],
    ]);
  });

  it('refuses failover backends that share a name or put "," in one', () => {
    expect(() => config('rules: [{ name: r, backends: [{ name: a, host: a.example }, { name: a, host: b.example, priority: 1 }] }]')).toThrow(/distinct names/);
    expect(() => config('rules: [{ name: r, backends: [{ name: "a,b", host: a.example }, { name: c, host: b.example, priority: 1 }] }]')).toThrow(/may not contain/);
  });
});

describe('generated outlier detection', () => {
  const doc = parse(generateEnvoyConfig(config(FAILOVER), opts));

  it('ejects failing hosts of multi-host clusters, connect failures counted apart', () => {
    expect(clusterNamed(doc, 'failover_chat').outlier_detection).toEqual({
      consecutive_5xx: 3,
      interval: '10s',
      base_ejection_time: '30s',
      max_ejection_percent: 50,
      split_external_local_origin_errors: true,
      consecutive_local_origin_failure: 5,
    });
    // LOGICAL_DNS: one logical host, nothing to eject to.
    expect(clusterNamed(doc, 'backend_anthropic').outlier_detection).toBeUndefined();
    const dns = parse(generateEnvoyConfig(config('rules: [{ name: r, backends: [{ name: v, host: vllm.svc, port: 8000, tls: false }] }]'), opts));
    expect(clusterNamed(dns, 'backend_v').outlier_detection.consecutive_5xx).toBe(5);
    const off = parse(generateEnvoyConfig(config('resilience: { outlierDetection: { enabled: false } }\nrules: [{ name: r, backends: [{ name: v, host: vllm.svc, port: 8000, tls: false }] }]'), opts));
    expect(clusterNamed(off, 'backend_v').outlier_detection).toBeUndefined();
  });
});

describe('generated CORS and client address', () => {
  const doc = parse(generateEnvoyConfig(config(FAILOVER), opts));

  it('answers preflights with Envoy’s CORS filter before ext_proc, from the virtual host policy', () => {
    const names = hcmOf(doc).http_filters.map((f: Any) => f.name);
    expect(names).toEqual(['envoy.filters.http.health_check', 'envoy.filters.http.cors', 'envoy.filters.http.ext_proc', 'envoy.filters.http.router']);
    const policy = hcmOf(doc).route_config.virtual_hosts[0].typed_per_filter_config['envoy.filters.http.cors'];
    expect(policy).toMatchObject({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
      allow_origin_string_match: [{ exact: 'https://app.example.com', ignore_case: true }, { safe_regex: { regex: '(?i)https://[^/]+\\.partner\\.example' } }],
      allow_methods: 'GET,POST,OPTIONS',
      forward_not_matching_preflights: false,
      allow_credentials: false,
    });
    expect(policy.allow_headers.split(',')).toContain('authorization');
  });

  it('has no CORS filter without a CORS policy', () => {
    const d = parse(generateEnvoyConfig(loadEmbeddedDefault().config, opts));
    expect(hcmOf(d).http_filters.map((f: Any) => f.name)).not.toContain('envoy.filters.http.cors');
    expect(hcmOf(d).route_config.virtual_hosts[0].typed_per_filter_config).toBeUndefined();
  });

  it('takes the client address from the connection, or the configured trusted hops', () => {
    expect(hcmOf(doc)).toMatchObject({ use_remote_address: true, xff_num_trusted_hops: 1 });
    expect(hcmOf(parse(generateEnvoyConfig(loadEmbeddedDefault().config, opts)))).toMatchObject({ use_remote_address: true, xff_num_trusted_hops: 0 });
  });
});
