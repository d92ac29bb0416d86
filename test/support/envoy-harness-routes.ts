/**
 * Harness routes from a generated Envoy config: each rule route (and skip variant) of the route
 * table, in order, with what the harness needs to play it — a failover cluster, or a cluster with
 * an upstream-level filter, becomes an attempt plan (endpoints at their priorities with their
 * metadata, the route's retry policy, the filter's modes); any other cluster a harness upstream. So tests drive
 * the retry behaviour the generator writes, not a hand-made copy of it.
 */
import { parse } from 'yaml';
import type { Route } from '../harness/routes.js';
import type { AttemptEndpoint, AttemptPlan } from '../harness/upstream-attempts.js';
import type { BodySendMode, JsonValue } from '../harness/wire.js';

type Any = any;

/** A Duration string (`0.5s`) in milliseconds. */
const durationMs = (d: string | undefined, fallback: number): number => (d ? Number.parseFloat(d) * 1000 : fallback);

/** True when the router-level ext_proc filter of `yaml` may change x-envoy-* headers (`mutation_rules.allow_envoy`). */
export function routerAllowsEnvoyHeaders(yaml: string): boolean {
  const hcm = (parse(yaml) as Any).static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  return hcm.http_filters.some((f: Any) => f.name === 'envoy.filters.http.ext_proc' && f.typed_config.mutation_rules?.allow_envoy === true);
}

/**
 * The routes of `yaml` (a full bootstrap). `upstreamOf(clusterOrBackend)` names the harness
 * upstream for a plain cluster (by cluster name) or a failover endpoint (by backend name).
 */
export function harnessRoutes(yaml: string, upstreamOf: (name: string) => string): Route[] {
  const doc = parse(yaml) as Any;
  const hcm = doc.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  const clusters = new Map<string, Any>(doc.static_resources.clusters.map((c: Any) => [c.name, c]));
  const out: Route[] = [];
  for (const r of hcm.route_config.virtual_hosts[0].routes as Any[]) {
    const headers = (r.match.headers ?? []) as Any[];
    if (!r.route || headers.length === 0) continue; // the catch-all
    const [first, ...rest] = headers;
    const base = { header: first.name as string, value: first.string_match.exact as string, also: rest.map((h) => [h.name, h.string_match.exact] as const) };
    const cluster = clusters.get(r.route.cluster);
    const filter = cluster?.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].http_filters?.[0]?.typed_config;
    const failover = cluster !== undefined && String(cluster.name).startsWith('failover_');
    if (!cluster || (!failover && !filter)) {
      // Weighted clusters, or a cluster without an upstream-level filter: one plain call.
      out.push({ ...base, upstream: upstreamOf(r.route.cluster ?? r.route.weighted_clusters.clusters[0].name) });
      continue;
    }
    const policy = r.route.retry_policy;
    const endpoints: AttemptEndpoint[] = failover
      ? cluster.load_assignment.endpoints.map((e: Any) => ({
          priority: e.priority ?? 0,
          upstream: upstreamOf(e.locality.sub_zone),
          metadata: e.lb_endpoints[0].metadata as Record<string, JsonValue>,
        }))
      : [{ priority: 0, upstream: upstreamOf(cluster.name), metadata: {} }];
    const reset = policy.rate_limited_retry_back_off;
    const plan: AttemptPlan = {
      cluster: cluster.name,
      endpoints,
      numRetries: policy.num_retries,
      retriableStatusCodes: policy.retriable_status_codes ?? [],
      ...(reset ? { resetHeader: { name: reset.reset_headers[0].name, maxIntervalMs: durationMs(reset.max_interval, 300_000) } } : {}),
      baseIntervalMs: durationMs(policy.retry_back_off?.base_interval, 25),
      ...(filter
        ? {
            filter: {
              requestBody: filter.processing_mode.request_body_mode as BodySendMode,
              responseHeader: filter.processing_mode.response_header_mode,
              responseBody: (filter.processing_mode.response_body_mode ?? 'NONE') as BodySendMode,
              allowEnvoy: filter.mutation_rules?.allow_envoy === true,
            },
          }
        : {}),
      ...(r.route.metadata_match ? { subset: r.route.metadata_match.filter_metadata['envoy.lb'].llm_extproc_sets } : {}),
    };
    out.push({ ...base, upstream: endpoints[0]!.upstream, attempts: plan });
  }
  return out;
}
