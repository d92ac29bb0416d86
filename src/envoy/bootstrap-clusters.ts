/**
 * Envoy clusters generated from a config: one per distinct backend (TLS with SNI and certificate
 * checks, or plain HTTP/1.1 for in-cluster servers), and the ext_proc cluster that reaches
 * llm-extproc over HTTP/2 (TCP or a Unix socket) with gRPC health checks. Plain JSON objects in
 * Envoy's v3 YAML shape; `bootstrap.ts` puts them into a document with comments.
 */
import { isIP } from 'node:net';
import type { BackendConfig, Config } from '../config/schema.js';
import { isFailoverRule, outlierDetection, retryBudget } from './bootstrap-resilience.js';

/** Where Envoy reaches llm-extproc. */
export type ExtprocAddress = { readonly host: string; readonly port: number } | { readonly unixPath: string };

/** A config problem that stops Envoy config generation (named backend, clear fix). */
export class EnvoyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvoyConfigError';
  }
}

/** Name of the cluster that reaches llm-extproc. */
export const EXTPROC_CLUSTER = 'llm_extproc';

/** gRPC health service name llm-extproc answers for (besides the empty name). */
export const EXTPROC_HEALTH_SERVICE = 'envoy.service.ext_proc.v3.ExternalProcessor';

/** Trusted CA bundle for upstream TLS: where Debian/Ubuntu images (the official Envoy image among them) keep it. */
export const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/**
 * Hosts known to speak HTTP/2 over TLS: one multiplexed connection carries many concurrent
 * streams. Other TLS hosts negotiate HTTP/2 or HTTP/1.1 by ALPN; plain-text backends (vLLM,
 * Ollama, test servers) get HTTP/1.1, which every server speaks.
 */
const HTTP2_HOSTS = [/^api\.openai\.com$/, /^api\.anthropic\.com$/, /(^|\.)googleapis\.com$/];

/** One generated backend cluster and the config backends it serves. */
export interface BackendCluster {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly protocol: 'http2' | 'http1' | 'alpn';
}

type Json = Record<string, unknown>;

/**
 * Circuit breakers sized for long-lived LLM streams. Envoy's defaults (1,024 requests, pending
 * requests and connections, 3 concurrent retries) would cap one Envoy at about a thousand
 * concurrent generations — each holds its request (and, on the ext_proc cluster, its gRPC
 * stream) open for the whole response, often minutes — and then answer 503 with the UO flag.
 * 10,000 per cluster leaves headroom for a few thousand concurrent streams per Envoy; the limit
 * still exists so a stuck upstream cannot take unbounded memory. Retries use a budget (20% of
 * active requests, at least 10) instead of a fixed count of 3.
 */
export function circuitBreakers(config?: Config): Json {
  return {
    thresholds: [
      {
        priority: 'DEFAULT',
        max_connections: 10_000,
        max_pending_requests: 10_000,
        max_requests: 10_000,
        retry_budget: retryBudget(config),
      },
    ],
  };
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function describeBackend(rule: string, b: BackendConfig): string {
  return `rule ${JSON.stringify(rule)} backend ${JSON.stringify(b.name)}`;
}

/** Resolves each backend's endpoint and protocol. Throws {@link EnvoyConfigError} for a backend without a host. */
export function endpointOf(rule: string, b: BackendConfig): Omit<BackendCluster, 'name'> {
  if (!b.host) {
    throw new EnvoyConfigError(`${describeBackend(rule, b)} has no host: add host (and port, tls) so an Envoy cluster can be generated for it`);
  }
  const tls = b.tls ?? (b.port === undefined || b.port === 443);
  const port = b.port ?? (tls ? 443 : 80);
  const protocol = !tls ? 'http1' : HTTP2_HOSTS.some((re) => re.test(b.host as string)) ? 'http2' : 'alpn';
  return { host: b.host, port, tls, protocol };
}

/**
 * Assigns one cluster per distinct backend endpoint, named `backend_<name>` (suffixed when two
 * backends share a name but not an endpoint). Returns the clusters and, per rule, the cluster of
 * each of its backends in order.
 */
export function planBackendClusters(config: Config): { clusters: BackendCluster[]; byRule: Map<string, BackendCluster[]> } {
  const { clusters, byRule } = assignClusters(config, endpointOf);
  // A failover rule gets a cluster of its own (bootstrap-failover.ts): its backends need no
  // cluster each unless another rule uses them.
  const used = new Set<string>();
  for (const rule of config.rules) if (!isFailoverRule(rule)) for (const x of byRule.get(rule.name) ?? []) used.add(x.cluster.name);
  return { clusters: clusters.filter((c) => used.has(c.name)), byRule: new Map([...byRule].map(([rule, list]) => [rule, list.map((x) => x.cluster)])) };
}

/**
 * The backend config behind each generated cluster name, named exactly as
 * {@link planBackendClusters} names them (an upstream-level ext_proc call reports the cluster
 * Envoy picked). Backends without a host get the name they would have with one.
 */
export function backendsByClusterName(config: Config): Map<string, BackendConfig> {
  const lenient = (_rule: string, b: BackendConfig): Omit<BackendCluster, 'name'> =>
    b.host ? endpointOf(_rule, b) : { host: '', port: b.port ?? 0, tls: b.tls ?? true, protocol: 'alpn' };
  const out = new Map<string, BackendConfig>();
  for (const list of assignClusters(config, lenient, false).byRule.values()) {
    for (const { cluster, backend } of list) if (!out.has(cluster.name)) out.set(cluster.name, backend);
  }
  return out;
}

function assignClusters(
  config: Config,
  endpoint: (rule: string, b: BackendConfig) => Omit<BackendCluster, 'name'>,
  strict = true,
): { clusters: BackendCluster[]; byRule: Map<string, Array<{ cluster: BackendCluster; backend: BackendConfig }>> } {
  const clusters: BackendCluster[] = [];
  const byKey = new Map<string, BackendCluster>();
  const taken = new Set<string>([EXTPROC_CLUSTER]);
  const byRule = new Map<string, Array<{ cluster: BackendCluster; backend: BackendConfig }>>();
  for (const rule of config.rules) {
    if (rule.backends.length === 0 && strict) {
      throw new EnvoyConfigError(`rule ${JSON.stringify(rule.name)} has no backends: Envoy needs at least one cluster to route it to`);
    }
    const list: Array<{ cluster: BackendCluster; backend: BackendConfig }> = [];
    for (const b of rule.backends) {
      const ep = endpoint(rule.name, b);
      // The model name is part of a cluster's identity: the upstream-level call sets it per cluster.
      const key = `${b.name}|${b.modelNameOverride ?? ''}|${ep.host}|${ep.port}|${ep.tls}`;
      let cluster = byKey.get(key);
      if (!cluster) {
        let name = `backend_${sanitize(b.name)}`;
        for (let n = 2; taken.has(name); n++) name = `backend_${sanitize(b.name)}_${n}`;
        taken.add(name);
        cluster = { name, ...ep };
        byKey.set(key, cluster);
        clusters.push(cluster);
      }
      list.push({ cluster, backend: b });
    }
    byRule.set(rule.name, list);
  }
  return { clusters, byRule };
}

/** A socket address. */
export function socketAddress(host: string, port: number): Json {
  return { socket_address: { address: host, port_value: port } };
}

function loadAssignment(name: string, address: Json): Json {
  return { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }] };
}

const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const HTTP_PROTOCOL_OPTIONS_TYPE = `type.googleapis.com/${HTTP_PROTOCOL_OPTIONS_KEY}`;

/** HttpProtocolOptions for a protocol choice. */
export function protocolOptions(protocol: BackendCluster['protocol']): Json {
  const inner =
    protocol === 'http2'
      ? { explicit_http_config: { http2_protocol_options: {} } }
      : protocol === 'http1'
        ? { explicit_http_config: { http_protocol_options: {} } }
        : { auto_config: { http_protocol_options: {}, http2_protocol_options: {} } };
  return { [HTTP_PROTOCOL_OPTIONS_KEY]: { '@type': HTTP_PROTOCOL_OPTIONS_TYPE, ...inner } };
}

/** TLS to `host`: SNI and certificate name checked against it, trust from the system bundle. */
export function tlsTransportSocket(host: string, protocol: BackendCluster['protocol']): Json {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      sni: host,
      common_tls_context: {
        ...(protocol === 'http2' ? { alpn_protocols: ['h2'] } : {}),
        validation_context: {
          trusted_ca: { filename: CA_BUNDLE },
          match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: host } }],
        },
      },
    },
  };
}

/**
 * The Envoy cluster for one backend. A STRICT_DNS cluster (every address of the name is a host)
 * gets outlier detection; a LOGICAL_DNS or STATIC one has a single host to eject.
 */
export function backendCluster(c: BackendCluster, config?: Config): Json {
  const type = isIP(c.host) ? 'STATIC' : c.tls ? 'LOGICAL_DNS' : 'STRICT_DNS';
  const outliers = type === 'STRICT_DNS' && config ? outlierDetection(config) : undefined;
  const cluster: Json = {
    name: c.name,
    type,
    connect_timeout: '5s',
    ...(type === 'STATIC' ? {} : { dns_lookup_family: 'V4_PREFERRED' }),
    load_assignment: loadAssignment(c.name, socketAddress(c.host, c.port)),
    typed_extension_protocol_options: protocolOptions(c.protocol),
    circuit_breakers: circuitBreakers(config),
    ...(outliers ? { outlier_detection: outliers } : {}),
  };
  if (c.tls) cluster['transport_socket'] = tlsTransportSocket(c.host, c.protocol);
  return cluster;
}

/** The cluster that reaches llm-extproc: HTTP/2 (gRPC), health-checked, sized for one stream per in-flight request. */
export function extprocCluster(address: ExtprocAddress): Json {
  const pipe = 'unixPath' in address;
  const type = pipe || isIP(address.host) ? 'STATIC' : 'STRICT_DNS';
  return {
    name: EXTPROC_CLUSTER,
    type,
    connect_timeout: '1s',
    ...(type === 'STRICT_DNS' ? { dns_lookup_family: 'V4_PREFERRED' } : {}),
    load_assignment: loadAssignment(EXTPROC_CLUSTER, pipe ? { pipe: { path: address.unixPath } } : socketAddress(address.host, address.port)),
    typed_extension_protocol_options: {
      [HTTP_PROTOCOL_OPTIONS_KEY]: {
        '@type': HTTP_PROTOCOL_OPTIONS_TYPE,
        explicit_http_config: {
          http2_protocol_options: {
            max_concurrent_streams: 1024,
            connection_keepalive: { interval: '30s', timeout: '5s' },
          },
        },
      },
    },
    circuit_breakers: circuitBreakers(),
    health_checks: [
      {
        timeout: '1s',
        interval: '5s',
        unhealthy_threshold: 2,
        healthy_threshold: 1,
        grpc_health_check: { service_name: EXTPROC_HEALTH_SERVICE },
      },
    ],
  };
}
