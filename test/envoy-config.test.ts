/**
 * The Envoy configs users meet first: `envoy.yaml` at the top and every Envoy config under
 * deploy/ must load in Envoy (checked against Envoy's own API definitions) and must be exactly
 * what `llm-extproc envoy-config` generates today.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../src/config/load.js';
import { generateEnvoyConfig } from '../src/envoy/bootstrap.js';
import { ENVOY_API_ALLOWLIST } from './support/envoy-api-allowlist.js';
import { validateEnvoyConfig } from './support/envoy-validator.js';
import { REPO_ROOT, SHIPPED_ENVOY_CONFIGS, generateShipped, readShipped, regenerateCommand } from './support/shipped-envoy-configs.js';

/** Every YAML file under deploy/ whose content is an Envoy bootstrap. */
function envoyConfigsUnderDeploy(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry) && /^static_resources:/m.test(readFileSync(full, 'utf8'))) found.push(path.relative(REPO_ROOT, full).split(path.sep).join('/'));
    }
  };
  walk(path.join(REPO_ROOT, 'deploy'));
  return found.sort();
}

describe('shipped Envoy configs', () => {
  const files = ['envoy.yaml', ...envoyConfigsUnderDeploy()];

  it('include every generated config, and every Envoy config under deploy/ is a generated one', () => {
    expect(files.sort()).toEqual(SHIPPED_ENVOY_CONFIGS.map((t) => t.file).sort());
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it.each(files)('%s loads in Envoy: zero problems against the Envoy API', (file) => {
    const problems = validateEnvoyConfig(readFileSync(path.join(REPO_ROOT, file), 'utf8'), { allowlist: ENVOY_API_ALLOWLIST });
    expect(problems.map((p) => `${p.path} (line ${p.line}): ${p.message}`)).toEqual([]);
  });

  it.each(SHIPPED_ENVOY_CONFIGS.map((t) => [t.file, t] as const))('%s is what the CLI generates today', async (_file, target) => {
    const generated = await generateShipped(target);
    const committed = readShipped(target);
    if (generated !== committed) {
      expect.fail(`${target.file} is out of date with the generator. Regenerate it:\n  ${regenerateCommand(target)}`);
    }
    expect(committed.length).toBeGreaterThan(1000);
  });

  it('the top-level envoy.yaml is generated from the embedded default with llm-extproc at 127.0.0.1:50051', () => {
    const doc = parse(readFileSync(path.join(REPO_ROOT, 'envoy.yaml'), 'utf8'));
    const extproc = doc.static_resources.clusters.find((c: { name: string }) => c.name === 'llm_extproc');
    expect(extproc.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 50051 });
    expect(doc.static_resources.listeners[0].address.socket_address.port_value).toBe(8080);
  });
});

describe('generated routes match the rules one to one', () => {
  const config = parseConfig(
    `
rules:
  - name: gpt
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends:
      - { name: openai-a, host: api.openai.com, weight: 70 }
      - { name: openai-b, host: eu.api.openai.com, weight: 20 }
      - { name: azure, host: acme.openai.azure.com, weight: 10 }
  - name: claude
    headers: [{ name: x-ai-eg-model, prefix: "claude-" }]
    backends:
      - { name: anthropic, host: api.anthropic.com }
  - name: local
    headers: [{ name: x-ai-eg-model, exact: llama-3 }]
    backends:
      - { name: vllm-1, host: 10.0.0.7, port: 8000, tls: false, weight: 1 }
      - { name: vllm-2, host: vllm-2.models.svc, port: 8000, tls: false, weight: 3 }
`,
    'multi-rule test config',
  ).config;
  const text = generateEnvoyConfig(config, { extprocAddress: { host: 'llm-extproc', port: 50051 }, listenerPort: 8080, full: true });
  const doc = parse(text);
  const routes: Array<Record<string, any>> = doc.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes;
  const clusterNames = new Set<string>(doc.static_resources.clusters.map((c: { name: string }) => c.name));

  it('validates', () => {
    expect(validateEnvoyConfig(text, { allowlist: ENVOY_API_ALLOWLIST })).toEqual([]);
  });

  it('one route per rule, in rule order, each matching the route header exactly on the rule name, then the catch-all', () => {
    expect(routes).toHaveLength(config.rules.length + 1);
    config.rules.forEach((rule, i) => {
      expect(routes[i]?.['name']).toBe(rule.name);
      expect(routes[i]?.['match']).toEqual({ prefix: '/', headers: [{ name: 'x-ai-eg-selected-route', string_match: { exact: rule.name } }] });
    });
    expect(routes[config.rules.length]?.['direct_response']).toBeDefined();
  });

  it("each route sends to exactly its rule's backends, with the configured weights", () => {
    config.rules.forEach((rule, i) => {
      const action = routes[i]?.['route'];
      const targets: Array<{ name: string; weight: number }> = action.weighted_clusters
        ? action.weighted_clusters.clusters
        : [{ name: action.cluster, weight: rule.backends[0]?.weight ?? 1 }];
      expect(targets).toHaveLength(rule.backends.length);
      targets.forEach((t, j) => {
        const backend = rule.backends[j];
        expect(clusterNames.has(t.name)).toBe(true);
        const cluster = doc.static_resources.clusters.find((c: { name: string }) => c.name === t.name);
        expect(cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address).toBe(backend?.host);
        expect(t.weight).toBe(backend?.weight ?? 1);
      });
    });
    // Every backend cluster is used by some route; nothing else besides the ext_proc cluster.
    const used = new Set(routes.flatMap((r) => (r['route'] ? (r['route'].weighted_clusters?.clusters.map((c: { name: string }) => c.name) ?? [r['route'].cluster]) : [])));
    expect([...clusterNames].filter((n) => !used.has(n))).toEqual(['llm_extproc']);
  });
});
