import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadEmbeddedDefault, parseConfig } from '../config/load.js';
import { ENVOY_API_ALLOWLIST } from '../../test/support/envoy-api-allowlist.js';
import { validateEnvoyConfig, validateEnvoyValue } from '../../test/support/envoy-validator.js';
import { ENVOY_TARGET_RELEASE, EnvoyConfigError, generateEnvoyConfig } from './bootstrap.js';
import { NO_ROUTE_BODY, tokenRateLimitExample } from './bootstrap-routes.js';

/** Generated YAML walked in assertions. */
type Any = any;
const allowlist = ENVOY_API_ALLOWLIST;
const SNIPPET_ROOT = { route_config: 'envoy.config.route.v3.RouteConfiguration', clusters: 'envoy.config.cluster.v3.Cluster[]' };
const TCP = { host: '127.0.0.1', port: 50051 };

const config = (text: string) => parseConfig(text, 'test').config;
const defaults = loadEmbeddedDefault().config;
const full = (c = defaults, extprocAddress: { host: string; port: number } | { unixPath: string } = TCP) =>
  generateEnvoyConfig(c, { extprocAddress, listenerPort: 8080, full: true });
const hcmOf = (doc: Any) => doc.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
const clusterNamed = (doc: Any, name: string) => doc.static_resources.clusters.find((c: Any) => c.name === name);

const MULTI = `
selectedRouteHeaderKey: x-route
metadataNamespace: acme.llm
limits: { maxBodyBytes: 1048576 }
rules:
  - name: chat
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends:
      - { name: openai, host: api.openai.com, weight: 3 }
      - { name: azure, schema: { name: AzureOpenAI }, host: acme.openai.azure.com, weight: 1 }
  - name: local
    headers: [{ name: x-ai-eg-model, exact: llama }]
    backends:
      - { name: vllm, host: vllm.models.svc, port: 8000, tls: false }
  - name: chat-again
    headers: [{ name: x-tenant, exact: b }]
    backends:
      - { name: openai, host: api.openai.com }
llmRequestCosts:
  - { metadataKey: tokens, type: TotalToken }
`;

describe('generateEnvoyConfig (full bootstrap)', () => {
  it('validates against the Envoy API with zero problems', () => {
    expect(validateEnvoyConfig(full(), { allowlist })).toEqual([]);
    expect(validateEnvoyConfig(full(config(MULTI)), { allowlist })).toEqual([]);
    expect(validateEnvoyConfig(full(defaults, { unixPath: '/var/run/llm-extproc/ext_proc.sock' }), { allowlist })).toEqual([]);
  });

  it('uses nothing newer than the mid-2024 API snapshot, as its header promises (the rate limit example aside)', () => {
    expect(validateEnvoyConfig(full(config(MULTI)), { allowlist: [] })).toEqual([]);
    expect(full()).toContain('uses no API field newer than Envoy 1.31');
  });

  it('puts ext_proc before the router with the processing mode llm-extproc relies on', () => {
    const hcm = hcmOf(parse(full(config(MULTI))));
    const names = hcm.http_filters.map((f: Any) => f.name);
    expect(names.indexOf('envoy.filters.http.ext_proc')).toBeLessThan(names.indexOf('envoy.filters.http.router'));
    expect(names[names.length - 1]).toBe('envoy.filters.http.router');
    const ext = hcm.http_filters.find((f: Any) => f.name === 'envoy.filters.http.ext_proc').typed_config;
    expect(ext.processing_mode).toEqual({ request_header_mode: 'SEND', request_body_mode: 'BUFFERED', response_header_mode: 'SEND', response_body_mode: 'BUFFERED' });
    expect(ext).toMatchObject({ allow_mode_override: true, failure_mode_allow: false, grpc_service: { envoy_grpc: { cluster_name: 'llm_extproc' } } });
    expect(Number.parseFloat(ext.message_timeout)).toBeGreaterThanOrEqual(1);
    expect(ext.metadata_options.receiving_namespaces.untyped).toEqual(['acme.llm']);
  });

  it('routes each rule by the route header to its cluster(s), catch-all last', () => {
    const routes = hcmOf(parse(full(config(MULTI)))).route_config.virtual_hosts[0].routes;
    expect(routes.map((r: Any) => r.name)).toEqual(['chat', 'local', 'chat-again', 'no_matching_rule']);
    expect(routes[0].match).toEqual({ prefix: '/', headers: [{ name: 'x-route', string_match: { exact: 'chat' } }] });
    expect(routes[0].route.weighted_clusters.clusters).toEqual([
      { name: 'backend_openai', weight: 3 },
      { name: 'backend_azure', weight: 1 },
    ]);
    expect(routes[1].route.cluster).toBe('backend_vllm');
    expect(routes[2].route.cluster).toBe('backend_openai'); // same backend, same cluster
    for (const r of routes.slice(0, 3)) expect(r.route).toMatchObject({ auto_host_rewrite: true, timeout: '0s', retry_policy: { num_retries: 2 } });
    const catchAll = routes[3];
    expect(catchAll.match).toEqual({ prefix: '/' });
    expect(catchAll.direct_response.status).toBe(404);
    expect(JSON.parse(catchAll.direct_response.body.inline_string)).toEqual(JSON.parse(NO_ROUTE_BODY));
    expect(JSON.parse(NO_ROUTE_BODY).error.type).toBe('not_found_error');
  });

  it('builds one cluster per distinct backend: TLS with SNI and SAN check, plain text for tls: false', () => {
    const doc = parse(full(config(MULTI)));
    expect(doc.static_resources.clusters.map((c: Any) => c.name)).toEqual(['llm_extproc', 'backend_openai', 'backend_azure', 'backend_vllm']);
    const openai = clusterNamed(doc, 'backend_openai');
    expect(openai.type).toBe('LOGICAL_DNS');
    expect(openai.transport_socket.typed_config).toMatchObject({
      sni: 'api.openai.com',
      common_tls_context: { alpn_protocols: ['h2'], validation_context: { match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'api.openai.com' } }] } },
    });
    const options = (c: Any) => c.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
    expect(options(openai).explicit_http_config).toEqual({ http2_protocol_options: {} });
    expect(options(clusterNamed(doc, 'backend_azure')).auto_config).toBeDefined(); // unknown TLS host: ALPN decides
    const vllm = clusterNamed(doc, 'backend_vllm');
    expect(vllm).toMatchObject({ type: 'STRICT_DNS' });
    expect(vllm.transport_socket).toBeUndefined();
    expect(options(vllm).explicit_http_config).toEqual({ http_protocol_options: {} });
    expect(vllm.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: 'vllm.models.svc', port_value: 8000 });
    for (const c of doc.static_resources.clusters) expect(c.circuit_breakers.thresholds[0].max_requests).toBeGreaterThanOrEqual(10_000);
  });

  it('reaches llm-extproc over HTTP/2 with gRPC health checks, by TCP, DNS name or Unix socket', () => {
    const tcp = clusterNamed(parse(full()), 'llm_extproc');
    expect(tcp.type).toBe('STATIC');
    expect(tcp.health_checks[0].grpc_health_check.service_name).toBe('envoy.service.ext_proc.v3.ExternalProcessor');
    expect(tcp.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].explicit_http_config.http2_protocol_options.max_concurrent_streams).toBeGreaterThan(100);
    expect(clusterNamed(parse(full(defaults, { host: 'llm-extproc', port: 50051 })), 'llm_extproc').type).toBe('STRICT_DNS');
    const pipe = clusterNamed(parse(full(defaults, { unixPath: '/sockets/ext_proc.sock' })), 'llm_extproc');
    expect(pipe.type).toBe('STATIC');
    expect(pipe.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address).toEqual({ pipe: { path: '/sockets/ext_proc.sock' } });
  });

  it('sizes the listener buffer to limits.maxBodyBytes and logs our metadata as JSON', () => {
    const doc = parse(full(config(MULTI)));
    expect(doc.static_resources.listeners[0].per_connection_buffer_limit_bytes).toBe(1048576);
    const format = hcmOf(doc).access_log[0].typed_config.log_format.json_format;
    expect(format.tokens).toBe('%DYNAMIC_METADATA(acme.llm:tokens)%');
    expect(format.total_tokens).toBe('%DYNAMIC_METADATA(acme.llm:total_tokens)%');
    expect(format.selected_route).toBe('%REQ(x-route)%');
    expect(hcmOf(parse(full())).access_log[0].typed_config.log_format.json_format.llm_total_token).toBe('%DYNAMIC_METADATA(io.envoy.ai_gateway:llm_total_token)%');
  });

  it('keeps its explanatory comments, names the Envoy release, and shows a valid token rate limit example', () => {
    const text = full();
    expect(text.startsWith('# Envoy config for llm-extproc')).toBe(true);
    expect(text).toContain(`Written for Envoy ${ENVOY_TARGET_RELEASE}`);
    expect(text).toMatch(/# Catch-all\. It is the route of the first pass/);
    expect(text).toMatch(/# - failure_mode_allow false/);
    expect(text).toMatch(/#\s+apply_on_stream_done: true/);
    expect(text).toContain('#         format: "%DYNAMIC_METADATA(io.envoy.ai_gateway:llm_total_token)%"');
    const ex = tokenRateLimitExample(defaults);
    expect(validateEnvoyValue(ex.httpFilter, { allowlist, root: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter' })).toEqual([]);
    expect(validateEnvoyValue(ex.cluster, { allowlist, root: 'envoy.config.cluster.v3.Cluster' })).toEqual([]);
    for (const rl of ex.rateLimits) expect(validateEnvoyValue(rl, { allowlist, root: 'envoy.config.route.v3.RateLimit' })).toEqual([]);
    // The commented block parses back to exactly these objects.
    const block = text.slice(text.indexOf('#   rate_limits:')).split('\n');
    const end = block.findIndex((l) => !l.startsWith('#  '));
    expect(parse(block.slice(0, end).map((l) => l.slice(3)).join('\n'))).toEqual({ rate_limits: ex.rateLimits });
  });

  it('is deterministic', () => {
    expect(full(config(MULTI))).toBe(full(config(MULTI)));
  });
});

describe('generateEnvoyConfig (routes and clusters only)', () => {
  it('prints the route table and clusters, valid as their Envoy types', () => {
    const text = generateEnvoyConfig(config(MULTI), { extprocAddress: TCP, listenerPort: 8080, full: false });
    const doc = parse(text);
    expect(Object.keys(doc)).toEqual(['route_config', 'clusters']);
    expect(validateEnvoyConfig(text, { allowlist, root: SNIPPET_ROOT })).toEqual([]);
    expect(text).toContain('# Paste under your HTTP connection manager');
  });
});

describe('generateEnvoyConfig errors', () => {
  const gen = (text: string) => () => full(config(text));
  it('names a backend without a host', () => {
    expect(gen('rules: [{ name: r, backends: [{ name: b }] }]')).toThrow(EnvoyConfigError);
    expect(gen('rules: [{ name: r, backends: [{ name: b }] }]')).toThrow(/rule "r" backend "b" has no host/);
  });
  it('names a rule without backends, and weights that add up to 0', () => {
    expect(gen('rules: [{ name: r }]')).toThrow(/rule "r" has no backends/);
    expect(gen('rules: [{ name: r, backends: [{ name: a, host: a.example, weight: 0 }, { name: b, host: b.example, weight: 0 }] }]')).toThrow(/weights add up to 0/);
  });
  it('gives distinct clusters to backends that share a name but not an endpoint', () => {
    const doc = parse(full(config('rules: [{ name: r, backends: [{ name: b, host: one.example }] }, { name: s, backends: [{ name: b, host: two.example }] }]')));
    expect(doc.static_resources.clusters.map((c: Any) => c.name)).toEqual(['llm_extproc', 'backend_b', 'backend_b_2']);
  });
});
