import { describe, expect, it } from 'vitest';
import { ENVOY_API_ALLOWLIST } from './envoy-api-allowlist.js';
import { loadEnvoyApiRoot } from './envoy-api-root.js';
import { validateEnvoyConfig, validateEnvoyValue } from './envoy-validator.js';

const allowlist = ENVOY_API_ALLOWLIST;

/** A small but complete bootstrap: listener → HCM → ext_proc + router → route → cluster. */
function bootstrap(extProc: string, extra = ''): string {
  return `
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 9901 } }
static_resources:
  listeners:
    - name: main
      address: { socket_address: { address: 0.0.0.0, port_value: 8080 } }
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: llm
                codec_type: AUTO
                route_config:
                  virtual_hosts:
                    - name: llm
                      domains: ["*"]
                      routes:
                        - match: { prefix: "/" }
                          route: { cluster: upstream, timeout: 0s }
                http_filters:
                  - name: envoy.filters.http.ext_proc
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor
${extProc
  .trim()
  .split('\n')
  .map((l) => `                      ${l}`)
  .join('\n')}
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
    - name: upstream
      type: STRICT_DNS
      connect_timeout: 0.25s
      load_assignment:
        cluster_name: upstream
        endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: example.com, port_value: 443 } } } }] }]
${extra}`;
}

const GOOD_EXT_PROC = `
grpc_service: { envoy_grpc: { cluster_name: upstream }, timeout: 30s }
failure_mode_allow: false
message_timeout: 10s
processing_mode: { request_header_mode: SEND, request_body_mode: BUFFERED, response_body_mode: BUFFERED }
metadata_options: { receiving_namespaces: { untyped: [io.envoy.ai_gateway] } }
`;

const HTTP_FILTER_PATH = 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config';

describe('validateEnvoyConfig', () => {
  it('accepts a valid bootstrap', () => {
    expect(validateEnvoyConfig(bootstrap(GOOD_EXT_PROC), { allowlist })).toEqual([]);
  });

  it('reports a typo in a field name with its YAML path, line and a hint', () => {
    const text = bootstrap(GOOD_EXT_PROC.replace('request_body_mode', 'request_body_mod'));
    const problems = validateEnvoyConfig(text, { allowlist });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: `${HTTP_FILTER_PATH}.processing_mode.request_body_mod`, severity: 'error' });
    expect(problems[0]?.message).toContain('unknown field "request_body_mod" in envoy.extensions.filters.http.ext_proc.v3.ProcessingMode');
    expect(problems[0]?.message).toContain('did you mean request_body_mode?');
    expect(problems[0]?.line).toBe(text.split('\n').findIndex((l) => l.includes('request_body_mod:')) + 1);
  });

  it('reports an enum value that does not exist', () => {
    const problems = validateEnvoyConfig(bootstrap(GOOD_EXT_PROC.replace('request_body_mode: BUFFERED', 'request_body_mode: BUFFERRED')), { allowlist });
    expect(problems.map((p) => p.path)).toEqual([`${HTTP_FILTER_PATH}.processing_mode.request_body_mode`]);
    expect(problems[0]?.message).toMatch(/"BUFFERRED" is not a value of envoy\.extensions\.filters\.http\.ext_proc\.v3\.ProcessingMode\.BodySendMode/);
  });

  it('accepts enum names in any case and by number, as Envoy does', () => {
    const text = bootstrap(GOOD_EXT_PROC.replace('request_body_mode: BUFFERED', 'request_body_mode: buffered').replace('response_body_mode: BUFFERED', 'response_body_mode: 2')).replace(
      'codec_type: AUTO',
      'codec_type: auto',
    );
    expect(validateEnvoyConfig(text, { allowlist })).toEqual([]);
    expect(validateEnvoyConfig(text.replace('response_body_mode: 2', 'response_body_mode: 9'), { allowlist })[0]?.message).toContain('9 is not a value');
  });

  it('reports an @type that does not resolve, and checks the body of one that does', () => {
    const unknown = validateEnvoyConfig(bootstrap(GOOD_EXT_PROC).replace('ext_proc.v3.ExternalProcessor', 'ext_proc.v3.ExternalProcesor'), { allowlist });
    expect(unknown).toEqual([
      expect.objectContaining({ path: `${HTTP_FILTER_PATH}.@type`, message: expect.stringContaining('unknown type "envoy.extensions.filters.http.ext_proc.v3.ExternalProcesor"') }),
    ]);
    const body = validateEnvoyConfig(bootstrap(`${GOOD_EXT_PROC}\nno_such_option: true`), { allowlist });
    expect(body.map((p) => p.path)).toEqual([`${HTTP_FILTER_PATH}.no_such_option`]);
  });

  it('accepts lowerCamelCase field names and reports the same field given twice', () => {
    expect(validateEnvoyConfig(bootstrap(GOOD_EXT_PROC.replace('failure_mode_allow', 'failureModeAllow')), { allowlist })).toEqual([]);
    const twice = validateEnvoyConfig(bootstrap(`${GOOD_EXT_PROC}\nfailureModeAllow: true`), { allowlist });
    expect(twice[0]?.message).toContain('are the same field');
  });

  it('reads durations and wrappers the way protobuf JSON writes them', () => {
    expect(validateEnvoyConfig(bootstrap(GOOD_EXT_PROC.replace('message_timeout: 10s', 'message_timeout: 0.25s')), { allowlist })).toEqual([]);
    const bare = validateEnvoyConfig(bootstrap(GOOD_EXT_PROC.replace('message_timeout: 10s', 'message_timeout: 10')), { allowlist });
    expect(bare[0]).toMatchObject({ path: `${HTTP_FILTER_PATH}.message_timeout`, message: expect.stringContaining('expected a duration') });
    // PGV: message_timeout must be at most 3600s
    expect(validateEnvoyConfig(bootstrap(GOOD_EXT_PROC.replace('message_timeout: 10s', 'message_timeout: 7200s')), { allowlist })[0]?.message).toContain('at most 3600s');
    // UInt32Value as a plain number, and range-checked
    const listenerLimit = (v: string) => bootstrap(GOOD_EXT_PROC).replace('    - name: main\n', `    - name: main\n      per_connection_buffer_limit_bytes: ${v}\n`);
    expect(validateEnvoyConfig(listenerLimit('33554432'), { allowlist })).toEqual([]);
    expect(validateEnvoyConfig(listenerLimit('-1'), { allowlist })[0]?.message).toContain('out of range for uint32');
    expect(validateEnvoyConfig(listenerLimit('{ value: 5 }'), { allowlist })[0]?.message).toContain('expected an integer');
  });

  it('reports two members of one oneof', () => {
    const text = bootstrap(GOOD_EXT_PROC).replace('route: { cluster: upstream, timeout: 0s }', 'route: { cluster: upstream }\n                          direct_response: { status: 404 }');
    const problems = validateEnvoyConfig(text, { allowlist });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/only one of .* may be set \(oneof action\), got route and direct_response/);
  });

  it('enforces protoc-gen-validate rules Envoy enforces: required fields, non-empty strings', () => {
    const noGrpc = validateEnvoyConfig(bootstrap(GOOD_EXT_PROC.replace(/grpc_service: .*\n/, '')), { allowlist });
    expect(noGrpc.map((p) => p.message)).toEqual(['missing required field grpc_service of envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor']);
    const emptyCluster = validateEnvoyConfig(bootstrap(GOOD_EXT_PROC).replace('route: { cluster: upstream,', 'route: { cluster: "",'), { allowlist });
    expect(emptyCluster.map((p) => p.message)).toContain('must not be empty');
  });

  it('reports routes and gRPC services that name an undefined cluster', () => {
    const problems = validateEnvoyConfig(bootstrap(GOOD_EXT_PROC.replace('cluster_name: upstream', 'cluster_name: extproc')), { allowlist });
    expect(problems).toEqual([expect.objectContaining({ path: `${HTTP_FILTER_PATH}.grpc_service.envoy_grpc.cluster_name`, message: 'cluster "extproc" is not defined in static_resources.clusters' })]);
  });

  it('checks map values and Struct contents as Envoy reads them', () => {
    const text = bootstrap(GOOD_EXT_PROC).replace(
      '      connect_timeout: 0.25s\n',
      `      connect_timeout: 0.25s
      metadata: { filter_metadata: { anything: { goes: [1, "two", { three: true }] } } }
      typed_extension_protocol_options:
        envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
          "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
          explicit_http_config: { http2_protocol_options: { max_concurent_streams: 100 } }
`,
    );
    const problems = validateEnvoyConfig(text, { allowlist });
    expect(problems.map((p) => p.path)).toEqual([
      'static_resources.clusters[0].typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].explicit_http_config.http2_protocol_options.max_concurent_streams',
    ]);
  });

  it('warns about deprecated fields', () => {
    const text = bootstrap(GOOD_EXT_PROC).replace('route: { cluster: upstream, timeout: 0s }', 'route: { cluster: upstream, max_grpc_timeout: 0s }');
    expect(validateEnvoyConfig(text, { allowlist })).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringContaining('max_grpc_timeout is deprecated') })]);
  });

  it('reports YAML syntax errors instead of throwing', () => {
    const problems = validateEnvoyConfig('a: [1, 2\nb: {', { allowlist });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]?.message).toMatch(/^YAML: /);
  });

  it('validates a snippet by root types', () => {
    const root = { route_config: 'envoy.config.route.v3.RouteConfiguration', clusters: 'envoy.config.cluster.v3.Cluster[]' };
    const good = 'route_config: { name: r, virtual_hosts: [{ name: v, domains: ["*"] }] }\nclusters: [{ name: c, connect_timeout: 1s }]\n';
    expect(validateEnvoyConfig(good, { allowlist, root })).toEqual([]);
    expect(validateEnvoyConfig(`${good}listeners: []\n`, { allowlist, root })[0]?.message).toContain('unknown top-level key "listeners"');
    expect(validateEnvoyConfig(good.replace('connect_timeout', 'conect_timeout'), { allowlist, root })[0]?.path).toBe('clusters[0].conect_timeout');
    expect(validateEnvoyValue({ name: 'c', type: 'LOGICAL_DNS' }, { allowlist, root: 'envoy.config.cluster.v3.Cluster' })).toEqual([]);
  });
});

describe('allowlist of definitions newer than the snapshot', () => {
  it('FULL_DUPLEX_STREAMED is accepted only through the allowlist', () => {
    const text = bootstrap(GOOD_EXT_PROC.replace('request_body_mode: BUFFERED', 'request_body_mode: FULL_DUPLEX_STREAMED'));
    expect(validateEnvoyConfig(text, { allowlist })).toEqual([]);
    expect(validateEnvoyConfig(text, { allowlist: [] })[0]?.message).toContain('"FULL_DUPLEX_STREAMED" is not a value');
  });

  it('token rate limit fields are typed, not skipped', () => {
    const root = 'envoy.config.route.v3.RateLimit';
    const good = { actions: [{ generic_key: { descriptor_value: 'x' } }], hits_addend: { format: '%DYNAMIC_METADATA(ns:k)%' }, apply_on_stream_done: true };
    expect(validateEnvoyValue(good, { allowlist, root })).toEqual([]);
    expect(validateEnvoyValue({ ...good, apply_on_stream_done: 'yes' }, { allowlist, root })[0]).toMatchObject({ path: 'apply_on_stream_done' });
    expect(validateEnvoyValue({ ...good, hits_addend: { formt: 'x' } }, { allowlist, root })[0]).toMatchObject({ path: 'hits_addend.formt' });
    expect(validateEnvoyValue(good, { allowlist: [], root }).map((p) => p.path)).toEqual(['hits_addend', 'apply_on_stream_done']);
  });

  it('every entry names a release and a source, and none is in the snapshot already', () => {
    for (const entry of ENVOY_API_ALLOWLIST) {
      expect(entry.since).toMatch(/^Envoy 1\.\d+\.\d+$/);
      expect(entry.source).toMatch(/envoyproxy\/envoy pull \d+/);
    }
    // Loading throws for an entry the snapshot already has (and for one whose parent is missing).
    expect(() => loadEnvoyApiRoot(ENVOY_API_ALLOWLIST)).not.toThrow();
    expect(() =>
      loadEnvoyApiRoot([{ kind: 'field', field: 'envoy.config.route.v3.RateLimit.disable_key', id: 2, type: 'string', since: 'Envoy 1.0.0', source: 'x' }]),
    ).toThrow(/already in the snapshot/);
  });

  it('loads the whole snapshot except files whose imports it does not ship', () => {
    const { skippedFiles } = loadEnvoyApiRoot();
    expect(skippedFiles.filter((f) => f.includes('/v3/') && !/trace|open_telemetry|metrics_service/.test(f))).toEqual([]);
  });
});
