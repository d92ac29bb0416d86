/**
 * Minimal, hand-checked schemas for the manifests no npm package ships a schema for: Envoy
 * Gateway's `EnvoyExtensionPolicy` (gateway.envoyproxy.io/v1alpha1) and kustomize's
 * `Kustomization`. Each covers the fields a config of this project may use, strictly (unknown keys
 * are errors), with the types and enums of the upstream definitions:
 * - EnvoyExtensionPolicy: envoyproxy/gateway `api/v1alpha1/envoyextensionpolicy_types.go`,
 *   `ext_proc_types.go`, `shared_types.go` (BackendRef, ClusterSettings.circuitBreaker).
 * - Kustomization: kubernetes-sigs/kustomize `api/types/kustomization.go` (the fields listed).
 * They are not the full upstream schemas; a field outside them fails the test until added here.
 */

/** A schema node. */
export type Schema =
  | 'string'
  | 'integer'
  | 'boolean'
  | 'duration'
  | { readonly enum: readonly string[] }
  | { readonly array: Schema; readonly minItems?: number; readonly maxItems?: number }
  | { readonly map: Schema }
  | { readonly object: Readonly<Record<string, Schema>>; readonly required?: readonly string[] };

/** Checks `value` against `schema`; returns `path: message` lines. */
export function checkSchema(value: unknown, schema: Schema, at = ''): string[] {
  const where = at || '(root)';
  if (schema === 'string') return typeof value === 'string' ? [] : [`${where}: expected a string`];
  if (schema === 'integer') return Number.isInteger(value) ? [] : [`${where}: expected an integer`];
  if (schema === 'boolean') return typeof value === 'boolean' ? [] : [`${where}: expected true or false`];
  // Gateway API Duration: e.g. 10s, 1m, 500ms, 1h30m.
  if (schema === 'duration') return typeof value === 'string' && /^([0-9]{1,5}(h|m|s|ms)){1,4}$/.test(value) ? [] : [`${where}: expected a Gateway API duration such as 10s`];
  if ('enum' in schema) return typeof value === 'string' && schema.enum.includes(value) ? [] : [`${where}: must be one of ${schema.enum.join(', ')}`];
  if ('array' in schema) {
    if (!Array.isArray(value)) return [`${where}: expected a list`];
    const out: string[] = [];
    if (schema.minItems !== undefined && value.length < schema.minItems) out.push(`${where}: needs at least ${schema.minItems} item(s)`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push(`${where}: takes at most ${schema.maxItems} item(s)`);
    value.forEach((v, i) => out.push(...checkSchema(v, schema.array, `${at}[${i}]`)));
    return out;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${where}: expected a mapping`];
  const entries = Object.entries(value);
  if ('map' in schema) return entries.flatMap(([k, v]) => checkSchema(v, schema.map, at ? `${at}.${k}` : k));
  const out: string[] = [];
  for (const [k, v] of entries) {
    const child = schema.object[k];
    if (!child) out.push(`${at ? `${at}.` : ''}${k}: unknown field`);
    else out.push(...checkSchema(v, child, at ? `${at}.${k}` : k));
  }
  for (const r of schema.required ?? []) if (!(r in value)) out.push(`${at ? `${at}.` : ''}${r}: required`);
  return out;
}

const labels: Schema = { map: 'string' };
const metadata: Schema = { object: { name: 'string', namespace: 'string', labels, annotations: labels }, required: ['name'] };
const targetRef: Schema = { object: { group: 'string', kind: 'string', name: 'string', sectionName: 'string' }, required: ['group', 'kind', 'name'] };
const backendRef: Schema = {
  object: { group: 'string', kind: { enum: ['Service', 'Backend'] }, name: 'string', namespace: 'string', port: 'integer', weight: 'integer' },
  required: ['name'],
};
const bodyMode: Schema = { enum: ['Streamed', 'Buffered', 'BufferedPartial', 'FullDuplexStreamed'] };
const phase: Schema = { object: { body: bodyMode, attributes: { array: 'string' } } };

/** Envoy Gateway EnvoyExtensionPolicy, the ext_proc part (hand-checked; see the file comment). */
export const ENVOY_EXTENSION_POLICY: Schema = {
  object: {
    apiVersion: { enum: ['gateway.envoyproxy.io/v1alpha1'] },
    kind: { enum: ['EnvoyExtensionPolicy'] },
    metadata,
    spec: {
      object: {
        targetRefs: { array: targetRef, minItems: 1 },
        extProc: {
          array: {
            object: {
              backendRefs: { array: backendRef, minItems: 1 },
              backendSettings: {
                object: {
                  circuitBreaker: {
                    object: {
                      maxConnections: 'integer',
                      maxPendingRequests: 'integer',
                      maxParallelRequests: 'integer',
                      maxParallelRetries: 'integer',
                      maxRequestsPerConnection: 'integer',
                    },
                  },
                },
              },
              stage: { enum: ['Route', 'Backend', 'All'] },
              messageTimeout: 'duration',
              failOpen: 'boolean',
              processingMode: { object: { request: phase, response: phase, allowModeOverride: 'boolean' } },
              metadata: { object: { accessibleNamespaces: { array: 'string' }, writableNamespaces: { array: 'string', maxItems: 8 } } },
            },
            required: ['backendRefs'],
          },
          maxItems: 16,
        },
      },
      required: ['targetRefs'],
    },
  },
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
};

/** kustomize Kustomization, the fields this project uses (hand-checked; see the file comment). */
export const KUSTOMIZATION: Schema = {
  object: {
    apiVersion: { enum: ['kustomize.config.k8s.io/v1beta1'] },
    kind: { enum: ['Kustomization'] },
    namespace: 'string',
    labels: { array: { object: { pairs: labels, includeSelectors: 'boolean', includeTemplates: 'boolean' }, required: ['pairs'] } },
    resources: { array: 'string' },
    patches: { array: { object: { path: 'string', patch: 'string', target: { map: 'string' } } } },
    images: { array: { object: { name: 'string', newName: 'string', newTag: 'string', digest: 'string' }, required: ['name'] } },
    configMapGenerator: {
      array: {
        object: { name: 'string', behavior: { enum: ['create', 'replace', 'merge'] }, files: { array: 'string' }, literals: { array: 'string' } },
        required: ['name'],
      },
    },
  },
  required: ['apiVersion', 'kind'],
};
