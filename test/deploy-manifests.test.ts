/**
 * deploy/: Kubernetes manifests checked against the Kubernetes API schemas shipped in
 * `kubernetes-models` (and the prometheus-operator models for ServiceMonitor), strictly — unknown
 * fields fail, as with `kubectl apply --validate=strict`; Envoy Gateway's EnvoyExtensionPolicy and
 * the kustomizations against minimal hand-checked schemas (test/support/minimal-schemas.ts); every
 * file a kustomization names exists; the pieces of each overlay fit together; and the Dockerfile
 * follows the rules the deployment relies on.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { parseConfig } from '../src/config/load.js';
import { ENVOY_TARGET_RELEASE } from '../src/envoy/bootstrap.js';
import { unknownFields } from './support/k8s-known-fields.js';
import { ENVOY_EXTENSION_POLICY, KUSTOMIZATION, checkSchema } from './support/minimal-schemas.js';
import { REPO_ROOT } from './support/shipped-envoy-configs.js';

/** Parsed YAML, walked in assertions. */
type Obj = Record<string, any>;
const K8S = path.join(REPO_ROOT, 'deploy', 'kubernetes');
const rel = (file: string) => path.relative(REPO_ROOT, file).split(path.sep).join('/');

/** Kinds we ship: how to validate each. */
const MODELS: Record<string, { create: (o: Obj) => { validate(): void }; dts: string }> = {
  'v1/ConfigMap': { create: (o) => new ConfigMap(o), dts: 'kubernetes-models/v1/ConfigMap.d.ts' },
  'v1/Service': { create: (o) => new Service(o), dts: 'kubernetes-models/v1/Service.d.ts' },
  'v1/ServiceAccount': { create: (o) => new ServiceAccount(o), dts: 'kubernetes-models/v1/ServiceAccount.d.ts' },
  'apps/v1/Deployment': { create: (o) => new Deployment(o), dts: 'kubernetes-models/apps/v1/Deployment.d.ts' },
  'policy/v1/PodDisruptionBudget': { create: (o) => new PodDisruptionBudget(o), dts: 'kubernetes-models/policy/v1/PodDisruptionBudget.d.ts' },
  'autoscaling/v2/HorizontalPodAutoscaler': { create: (o) => new HorizontalPodAutoscaler(o as ConstructorParameters<typeof HorizontalPodAutoscaler>[0]), dts: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler.d.ts' },
  'monitoring.coreos.com/v1/ServiceMonitor': {
    create: (o) => new ServiceMonitor(o as ConstructorParameters<typeof ServiceMonitor>[0]),
    dts: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor.d.ts',
  },
};

/** Validates one manifest; returns problems (empty when valid). */
function validateManifest(doc: Obj): string[] {
  const key = `${doc['apiVersion']}/${doc['kind']}`;
  if (key === 'gateway.envoyproxy.io/v1alpha1/EnvoyExtensionPolicy') return checkSchema(doc, ENVOY_EXTENSION_POLICY);
  const model = MODELS[key];
  if (!model) return [`no schema for ${key}`];
  const problems = unknownFields(doc, model.dts);
  try {
    model.create(doc).validate();
  } catch (err) {
    problems.push(String((err as Error).message));
  }
  return problems;
}

const isConfigFile = (file: string) => /(^|\/)(config|envoy|kustomization)\.yaml$/.test(file);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? yamlFiles(full) : /\.ya?ml$/.test(entry) ? [full] : [];
  });
}

function docsOf(file: string): Obj[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    if (d.errors.length) throw new Error(`${rel(file)}: ${d.errors[0]?.message}`);
    return d.toJS() as Obj;
  });
}

/** What one kustomization (with its bases) produces: resources and generated ConfigMaps. */
interface Built {
  readonly resources: Obj[];
  readonly configMaps: Map<string, Obj>;
  readonly problems: string[];
}

/** A small kustomize: follows `resources`, runs `configMapGenerator` (create/replace), checks every named file exists. */
function build(dir: string): Built {
  const out: Built = { resources: [], configMaps: new Map(), problems: [] };
  const file = path.join(dir, 'kustomization.yaml');
  if (!existsSync(file)) return { ...out, problems: [`${rel(dir)}: no kustomization.yaml`] };
  const k = parse(readFileSync(file, 'utf8')) as Obj;
  out.problems.push(...checkSchema(k, KUSTOMIZATION).map((p) => `${rel(file)}: ${p}`));
  for (const r of (k['resources'] ?? []) as string[]) {
    const target = path.resolve(dir, r);
    if (!existsSync(target)) out.problems.push(`${rel(file)}: resource ${r} does not exist`);
    else if (statSync(target).isDirectory()) {
      const sub = build(target);
      out.resources.push(...sub.resources);
      for (const [n, cm] of sub.configMaps) out.configMaps.set(n, cm);
      out.problems.push(...sub.problems);
    } else out.resources.push(...docsOf(target));
  }
  for (const p of (k['patches'] ?? []) as Obj[]) if (p['path'] && !existsSync(path.resolve(dir, p['path']))) out.problems.push(`${rel(file)}: patch ${p['path']} does not exist`);
  for (const g of (k['configMapGenerator'] ?? []) as Obj[]) {
    const data: Record<string, string> = {};
    for (const f of (g['files'] ?? []) as string[]) {
      const target = path.resolve(dir, f);
      if (!existsSync(target)) out.problems.push(`${rel(file)}: configMapGenerator ${g['name']} file ${f} does not exist`);
      else if (!target.startsWith(dir + path.sep)) out.problems.push(`${rel(file)}: ${f} is outside the kustomization directory (kustomize refuses it)`);
      else data[path.basename(f)] = readFileSync(target, 'utf8');
    }
    const exists = out.configMaps.has(g['name']);
    if ((g['behavior'] ?? 'create') === 'create' && exists) out.problems.push(`${rel(file)}: ConfigMap ${g['name']} generated twice`);
    if (g['behavior'] === 'replace' && !exists) out.problems.push(`${rel(file)}: replaces ConfigMap ${g['name']} that no base generates`);
    out.configMaps.set(g['name'], { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: g['name'] }, data });
  }
  return out;
}

const kustomizationDirs = yamlFiles(K8S)
  .filter((f) => f.endsWith('kustomization.yaml'))
  .map((f) => path.dirname(f));
const overlays = ['sidecar', 'standalone'].map((o) => path.join(K8S, 'overlays', o));

describe('Kubernetes and Envoy Gateway manifests', () => {
  const manifests = [...yamlFiles(K8S), ...yamlFiles(path.join(REPO_ROOT, 'deploy', 'envoy-gateway'))].filter((f) => !isConfigFile(f));

  it.each(manifests.map((f) => [rel(f)]))('%s is valid against its schema', (file) => {
    const docs = docsOf(path.join(REPO_ROOT, file));
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) expect(validateManifest(doc), `${doc['kind']} ${doc['metadata']?.['name']}`).toEqual([]);
  });

  it('the checks catch real mistakes: a typo, a bad enum, a wrong type, an unknown CRD field', () => {
    const dep = docsOf(path.join(K8S, 'overlays', 'standalone', 'extproc-deployment.yaml'))[0] as Obj;
    const typo = structuredClone(dep);
    typo['spec']['template']['spec']['containers'][0]['readinesProbe'] = typo['spec']['template']['spec']['containers'][0]['readinessProbe'];
    expect(validateManifest(typo).join()).toContain('readinesProbe: unknown field');
    const badPort = structuredClone(dep);
    badPort['spec']['template']['spec']['containers'][0]['ports'][0]['containerPort'] = '50051';
    expect(validateManifest(badPort).join()).toMatch(/containerPort must be integer/);
    const policy = docsOf(path.join(REPO_ROOT, 'deploy', 'envoy-gateway', 'extension-policy.yaml'))[0] as Obj;
    const badMode = structuredClone(policy);
    badMode['spec']['extProc'][0]['processingMode']['request']['body'] = 'Buffer';
    expect(validateManifest(badMode).join()).toContain('spec.extProc[0].processingMode.request.body: must be one of');
    const sm = docsOf(path.join(K8S, 'overlays', 'standalone', 'service-monitor.yaml'))[0] as Obj;
    sm['spec']['endpoints'][0]['scrapeIntervall'] = '30s';
    expect(validateManifest(sm).join()).toContain('scrapeIntervall: unknown field');
  });

  it('the EnvoyExtensionPolicy attaches llm-extproc with the processing mode of the generated envoy.yaml', () => {
    const policy = docsOf(path.join(REPO_ROOT, 'deploy', 'envoy-gateway', 'extension-policy.yaml'))[0] as Obj;
    const ext = policy['spec']['extProc'][0];
    expect(ext['backendRefs']).toEqual([{ group: '', kind: 'Service', name: 'llm-extproc', port: 50051 }]);
    expect(ext['processingMode']).toEqual({ request: { body: 'Buffered' }, response: { body: 'Buffered' }, allowModeOverride: true });
    expect(ext['failOpen']).toBe(false);
    expect(ext['messageTimeout']).toBe('10s');
    expect(ext['metadata']['writableNamespaces']).toEqual(['io.envoy.ai_gateway']);
  });
});

describe('kustomizations', () => {
  it('there is a base and two overlays', () => {
    expect(kustomizationDirs.map(rel).sort()).toEqual(['deploy/kubernetes/base', 'deploy/kubernetes/overlays/sidecar', 'deploy/kubernetes/overlays/standalone']);
  });

  it.each(kustomizationDirs.map((d) => [rel(d)]))('%s: every resource, patch and generator file exists', (dir) => {
    const built = build(path.join(REPO_ROOT, dir));
    expect(built.problems).toEqual([]);
    for (const cm of built.configMaps.values()) expect(validateManifest(cm)).toEqual([]);
  });

  it('the llm-extproc config in the base is valid', () => {
    expect(() => parseConfig(readFileSync(path.join(K8S, 'base', 'config.yaml'), 'utf8'), 'base config')).not.toThrow();
  });

  it('the checker itself reports a missing resource', () => {
    const fake = build(path.join(K8S, 'base', 'no-such-dir'));
    expect(fake.problems[0]).toContain('no kustomization.yaml');
  });
});

/** Pod templates of an overlay with their Deployment. */
function podSpecs(built: Built): Array<{ name: string; labels: Obj; spec: Obj }> {
  return built.resources
    .filter((r) => r['kind'] === 'Deployment')
    .map((d) => ({ name: d['metadata']['name'], labels: d['spec']['template']['metadata']['labels'], spec: d['spec']['template']['spec'] }));
}

const allContainers = (spec: Obj): Obj[] => [...(spec['initContainers'] ?? []), ...spec['containers']];
const selects = (selector: Obj, labels: Obj) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.each(overlays.map((d) => [path.basename(d), d]))('overlay %s fits together', (_name, dir) => {
  const built = build(dir);
  const pods = podSpecs(built);
  const services = built.resources.filter((r) => r['kind'] === 'Service');

  it('pods run hardened: non-root, read-only root, no capabilities, RuntimeDefault seccomp, resources set', () => {
    expect(pods.length).toBeGreaterThan(0);
    for (const { spec } of pods) {
      expect(spec['securityContext']).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(spec['automountServiceAccountToken']).toBe(false);
      expect(built.resources.some((r) => r['kind'] === 'ServiceAccount' && r['metadata']['name'] === spec['serviceAccountName'])).toBe(true);
      for (const c of allContainers(spec)) {
        expect(c['securityContext'], c['name']).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(c['resources']['requests'], c['name']).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
        expect(c['resources']['limits']['memory'], c['name']).toEqual(expect.any(String));
        expect(c['readinessProbe'], c['name']).toBeDefined();
        expect(c['livenessProbe'], c['name']).toBeDefined();
        const portNames = new Set((c['ports'] ?? []).map((p: Obj) => p['name']));
        for (const probe of [c['readinessProbe'], c['livenessProbe'], c['startupProbe']].filter(Boolean)) {
          const port = probe['httpGet']?.['port'] ?? probe['tcpSocket']?.['port'];
          expect(portNames.has(port), `${c['name']} probe port ${port}`).toBe(true);
        }
      }
    }
  });

  it('llm-extproc probes /readyz and /healthz on its admin port; Envoy probes its /ready', () => {
    for (const { spec } of pods) {
      for (const c of allContainers(spec)) {
        if (c['name'] === 'llm-extproc') {
          expect(c['readinessProbe']['httpGet']).toEqual({ path: '/readyz', port: 'admin' });
          expect(c['livenessProbe']['httpGet']).toEqual({ path: '/healthz', port: 'admin' });
          expect(c['ports']).toContainEqual({ name: 'admin', containerPort: 9464 });
        }
        if (c['name'] === 'envoy') {
          expect(c['image']).toBe(`envoyproxy/envoy:v${ENVOY_TARGET_RELEASE}-latest`);
          expect(c['readinessProbe']['httpGet']).toEqual({ path: '/ready', port: 'http' });
        }
      }
    }
  });

  it('every mounted ConfigMap is generated, every Service, PDB, HPA and ServiceMonitor finds its target', () => {
    for (const { spec } of pods) {
      for (const v of spec['volumes'] ?? []) if (v['configMap']) expect(built.configMaps.has(v['configMap']['name']), v['configMap']['name']).toBe(true);
    }
    for (const s of services) {
      const pod = pods.find((p) => selects(s['spec']['selector'], p.labels));
      expect(pod, `Service ${s['metadata']['name']}`).toBeDefined();
      const ports = new Set(allContainers(pod?.spec ?? { containers: [] }).flatMap((c) => (c['ports'] ?? []).map((p: Obj) => p['name'])));
      for (const p of s['spec']['ports']) expect(ports.has(p['targetPort']), `${s['metadata']['name']} → ${p['targetPort']}`).toBe(true);
    }
    for (const pdb of built.resources.filter((r) => r['kind'] === 'PodDisruptionBudget')) {
      expect(pods.some((p) => selects(pdb['spec']['selector']['matchLabels'], p.labels))).toBe(true);
    }
    for (const hpa of built.resources.filter((r) => r['kind'] === 'HorizontalPodAutoscaler')) {
      expect(pods.map((p) => p.name)).toContain(hpa['spec']['scaleTargetRef']['name']);
    }
    const monitors = built.resources.filter((r) => r['kind'] === 'ServiceMonitor');
    expect(monitors.length).toBeGreaterThan(0);
    for (const sm of monitors) {
      const svc = services.find((s) => selects(sm['spec']['selector']['matchLabels'], s['metadata']['labels'] ?? {}));
      expect(svc, `ServiceMonitor ${sm['metadata']['name']}`).toBeDefined();
      for (const e of sm['spec']['endpoints']) {
        expect(svc?.['spec']['ports'].map((p: Obj) => p['name'])).toContain(e['port']);
        expect(e['path']).toBe('/metrics');
      }
    }
  });

  it('Envoy reaches llm-extproc where the manifests put it', () => {
    const envoyYaml = parse(built.configMaps.get('envoy-config')?.['data']['envoy.yaml']);
    const address = envoyYaml.static_resources.clusters.find((c: Obj) => c['name'] === 'llm_extproc').load_assignment.endpoints[0].lb_endpoints[0].endpoint.address;
    const gateway = pods.find((p) => p.name === 'llm-gateway');
    expect(gateway).toBeDefined();
    const extproc = pods.flatMap((p) => allContainers(p.spec)).find((c) => c['name'] === 'llm-extproc');
    expect(extproc).toBeDefined();
    if (path.basename(dir) === 'sidecar') {
      // Native sidecar: an init container that keeps running, sharing the socket directory with Envoy.
      const sidecar = (gateway?.spec['initContainers'] ?? []).find((c: Obj) => c['name'] === 'llm-extproc');
      expect(sidecar?.['restartPolicy']).toBe('Always');
      const socket: string = address.pipe.path;
      expect(sidecar?.['args']).toEqual(['serve', '--grpc-address', `unix:${socket}`]);
      const envoy = gateway?.spec['containers'].find((c: Obj) => c['name'] === 'envoy');
      const volumeAt = (c: Obj) => c['volumeMounts'].find((m: Obj) => m['mountPath'] === path.posix.dirname(socket))?.['name'];
      expect(volumeAt(sidecar as Obj)).toBeDefined();
      expect(volumeAt(envoy)).toBe(volumeAt(sidecar as Obj));
      expect(gateway?.spec['volumes'].find((v: Obj) => v['name'] === volumeAt(envoy))?.['emptyDir']).toBeDefined();
    } else {
      const svc = services.find((s) => s['metadata']['name'] === address.socket_address.address);
      expect(svc?.['spec']['clusterIP']).toBe('None'); // headless: Envoy sees every pod
      expect(svc?.['spec']['ports']).toContainEqual(expect.objectContaining({ name: 'grpc', port: address.socket_address.port_value }));
      expect(extproc?.['ports']).toContainEqual({ name: 'grpc', containerPort: address.socket_address.port_value });
    }
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(path.join(REPO_ROOT, 'deploy', 'Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const stages = lines.reduce<string[][]>((acc, l) => (/^FROM\s/i.test(l) ? [...acc, [l]] : (acc[acc.length - 1]?.push(l), acc)), []);
  const final = stages[stages.length - 1] ?? [];

  it('is multi-stage: dev dependencies only in the build stage, production dependencies in the image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/npm ci --omit=dev/);
    expect(final[0]).toMatch(/^FROM (node:24-slim|gcr\.io\/distroless\/nodejs24)/);
    expect(final.some((l) => /COPY --from=\w+ \/app\/node_modules/.test(l))).toBe(true);
    expect(final.some((l) => /^RUN npm (ci|install)(?!.*--omit=dev)/.test(l))).toBe(false);
  });

  it('runs as a non-root numeric user and has a HEALTHCHECK that needs nothing but node', () => {
    const user = final.filter((l) => /^USER\s/.test(l)).pop();
    expect(user).toBeDefined();
    const uid = (user as string).replace(/^USER\s+/, '').split(':')[0] as string;
    expect(uid).toMatch(/^\d+$/);
    expect(uid).not.toBe('0');
    const health = final.join('\n').match(/HEALTHCHECK[^\n]*(\n\s+[^\n]*)*/)?.[0] ?? '';
    expect(health).toContain('CMD ["node"');
    expect(health).toContain('/healthz');
    expect(health).not.toMatch(/curl|wget/);
  });

  it('a .dockerignore keeps local state out of the build context', () => {
    const ignore = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', '.git', 'test-results']) expect(ignore).toContain(entry);
  });
});
