/**
 * Which backend serves an upstream attempt. Envoy's priorities live inside one cluster, so on a
 * failover rule's cluster the cluster name (`xds.cluster_name`) does not tell the backends apart;
 * each endpoint carries its rule and backend name in its metadata, which the upstream-level
 * ext_proc filter asks Envoy to send (`xds.upstream_host_metadata`), the way Envoy AI Gateway
 * identifies the backend of an attempt.
 */

/** The attribute carrying the picked endpoint's metadata. */
export const HOST_METADATA_ATTRIBUTE = 'xds.upstream_host_metadata';

/** The endpoint metadata namespace the generated config writes the backend identity into. */
export const IDENTITY_NAMESPACE = 'llm_extproc';

/** The rule and backend an endpoint belongs to. */
export interface AttemptBackend {
  readonly rule: string;
  readonly backend: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The endpoint identity metadata the generated config puts on an endpoint. */
export function identityMetadata(rule: string, backend: string): Record<string, Record<string, string>> {
  return { [IDENTITY_NAMESPACE]: { rule, backend } };
}

/**
 * Reads the identity from the attribute value Envoy sent (an `envoy.config.core.v3.Metadata` in
 * its JSON form, `filter_metadata` or `filterMetadata`). Undefined when absent or malformed.
 */
export function attemptBackend(attributes: Readonly<Record<string, unknown>> | undefined): AttemptBackend | undefined {
  const md = attributes?.[HOST_METADATA_ATTRIBUTE];
  if (!isObject(md)) return undefined;
  const filter = md['filter_metadata'] ?? md['filterMetadata'];
  if (!isObject(filter)) return undefined;
  const ours = filter[IDENTITY_NAMESPACE];
  if (!isObject(ours)) return undefined;
  const rule = ours['rule'];
  const backend = ours['backend'];
  return typeof rule === 'string' && rule !== '' && typeof backend === 'string' && backend !== '' ? { rule, backend } : undefined;
}
