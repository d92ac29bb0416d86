/**
 * The cluster of a failover rule (backends at several priorities). Envoy fails over across the
 * priorities of one cluster, so the rule's backends become the endpoints of one cluster, each at
 * its priority (renumbered 0, 1, … as Envoy requires), with:
 *
 * - its own TLS (SNI and certificate name) through `transport_socket_matches`;
 * - its host name for `auto_host_rewrite` (`endpoint.hostname`);
 * - its rule and backend name in endpoint metadata (namespace `llm_extproc`), which the
 *   upstream-level ext_proc filter reads (`xds.upstream_host_metadata`) to put that backend's
 *   credential and model name on the attempt — the cluster name is the same for all of them;
 * - the surviving sets it belongs to (`envoy.lb`, subset load balancing with `list_as_any`), for
 *   the route variants that skip backends whose circuit breaker is open
 *   (src/resilience/backend-sets.ts).
 *
 * Backends at the same priority share the load by their weights (locality weights).
 */
import { isIP } from 'node:net';
import type { Config, RuleConfig } from '../config/schema.js';
import { identityMetadata } from '../resilience/attempt-backend.js';
import { SET_METADATA_KEY, setsOf, survivingSets } from '../resilience/backend-sets.js';
import { circuitBreakers, endpointOf, protocolOptions, socketAddress, tlsTransportSocket, type BackendCluster } from './bootstrap-clusters.js';
import { isFailoverRule, outlierDetection } from './bootstrap-resilience.js';

type Json = Record<string, unknown>;

/** Endpoint metadata key matching an endpoint to its transport socket. */
const SOCKET_MATCH_KEY = 'llm_extproc_backend';

/** Name of the cluster of failover rule `rule`. */
export function failoverClusterName(rule: string): string {
  return `failover_${rule.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** The rule's backends as endpoints with their renumbered priorities, in priority order. */
export function failoverPlan(rule: RuleConfig): Array<{ backend: RuleConfig['backends'][number]; priority: number; endpoint: Omit<BackendCluster, 'name'> }> {
  const levels = [...new Set(rule.backends.map((b) => b.priority ?? 0))].sort((a, b) => a - b);
  return rule.backends
    .map((backend) => ({ backend, priority: levels.indexOf(backend.priority ?? 0), endpoint: endpointOf(rule.name, backend) }))
    .sort((a, b) => a.priority - b.priority);
}

/** The backend names of a failover rule in priority order (the order sets are named in). */
export function failoverOrder(rule: RuleConfig): string[] {
  const levels = [...new Set(rule.backends.map((b) => b.priority ?? 0))].sort((a, b) => a - b);
  return [...rule.backends].sort((a, b) => levels.indexOf(a.priority ?? 0) - levels.indexOf(b.priority ?? 0)).map((b) => b.name);
}

/** The cluster of one failover rule. */
export function failoverCluster(config: Config, rule: RuleConfig): Json {
  const name = failoverClusterName(rule.name);
  const plan = failoverPlan(rule);
  const order = failoverOrder(rule);
  const withSets = config.resilience.breaker.enabled && survivingSets(order).length > 0;
  const protocols = new Set(plan.map((p) => p.endpoint.protocol));
  const protocol: BackendCluster['protocol'] = protocols.size === 1 ? (plan[0]?.endpoint.protocol ?? 'alpn') : 'alpn';
  const sharedPriority = new Set(plan.map((p) => p.priority)).size < plan.length;
  const outliers = outlierDetection(config);
  const cluster: Json = {
    name,
    type: plan.every((p) => isIP(p.endpoint.host)) ? 'STATIC' : 'STRICT_DNS',
    connect_timeout: '5s',
    ...(plan.every((p) => isIP(p.endpoint.host)) ? {} : { dns_lookup_family: 'V4_PREFERRED' }),
    ...(sharedPriority ? { common_lb_config: { locality_weighted_lb_config: {} } } : {}),
    load_assignment: {
      cluster_name: name,
      endpoints: plan.map(({ backend, priority, endpoint }) => ({
        locality: { sub_zone: backend.name },
        priority,
        ...(sharedPriority ? { load_balancing_weight: Math.max(1, backend.weight ?? 1) } : {}),
        lb_endpoints: [
          {
            endpoint: { address: socketAddress(endpoint.host, endpoint.port), hostname: endpoint.host },
            metadata: {
              filter_metadata: {
                ...identityMetadata(rule.name, backend.name),
                'envoy.transport_socket_match': { [SOCKET_MATCH_KEY]: backend.name },
                ...(withSets ? { 'envoy.lb': { [SET_METADATA_KEY]: setsOf(backend.name, order) } } : {}),
              },
            },
          },
        ],
      })),
    },
    transport_socket_matches: plan.map(({ backend, endpoint }) => ({
      name: backend.name,
      match: { [SOCKET_MATCH_KEY]: backend.name },
      transport_socket: endpoint.tls
        ? tlsTransportSocket(endpoint.host, protocol === 'http2' ? 'http2' : 'alpn')
        : { name: 'envoy.transport_sockets.raw_buffer', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer' } },
    })),
    ...(withSets
      ? { lb_subset_config: { fallback_policy: 'ANY_ENDPOINT', subset_selectors: [{ keys: [SET_METADATA_KEY] }], list_as_any: true } }
      : {}),
    typed_extension_protocol_options: protocolOptions(protocol),
    circuit_breakers: circuitBreakers(config),
    ...(outliers ? { outlier_detection: outliers } : {}),
  };
  return cluster;
}

/** The clusters of every failover rule. */
export function failoverClusters(config: Config): Json[] {
  return config.rules.filter(isFailoverRule).map((r) => failoverCluster(config, r));
}
