import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../config/load.js';
import { ENVOY_API_ALLOWLIST } from '../../test/support/envoy-api-allowlist.js';
import { validateEnvoyConfig } from '../../test/support/envoy-validator.js';
import { generateEnvoyConfig } from './bootstrap.js';
import { backendsByClusterName } from './bootstrap-clusters.js';

// Credentials alone: no per-attempt response path (provider waits are off here; see bootstrap-resilience.test.ts).
const NO_WAITS = 'resilience: { retry: { rateLimitedStatuses: [] } }';
const config = parseConfig(
  `
${NO_WAITS}
rules:
  - name: chat
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends:
      - { name: openai, host: api.openai.com, weight: 3, auth: { apiKey: { env: OPENAI_KEY } } }
      - { name: bedrock, schema: { name: AWSBedrock }, host: bedrock-runtime.us-east-1.amazonaws.com, auth: { aws: { credentialFileName: /etc/aws/credentials, region: us-east-1 } } }
      - { name: local, host: vllm.default.svc, port: 8000 }
`,
  'test',
).config;

type Obj = Record<string, any>;
const clusters = (yaml: string): Obj[] => (parse(yaml) as Obj)['static_resources']['clusters'] as Obj[];
const filtersOf = (c: Obj | undefined) => c?.['typed_extension_protocol_options']['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']['http_filters'] as Obj[] | undefined;
const opts = { extprocAddress: { host: '127.0.0.1', port: 50051 }, listenerPort: 8080, full: true } as const;

describe('upstream-level ext_proc in the generated Envoy config', () => {
  const yaml = generateEnvoyConfig(config, opts);

  it('loads in Envoy (checked against Envoy’s API)', () => {
    expect(validateEnvoyConfig(yaml, { allowlist: ENVOY_API_ALLOWLIST }).map((p) => `${p.path}: ${p.message}`)).toEqual([]);
  });

  it('puts ext_proc + upstream codec on clusters of backends with auth, asking for the cluster name', () => {
    const byName = new Map(clusters(yaml).map((c) => [c['name'] as string, c]));
    const openai = filtersOf(byName.get('backend_openai'))!;
    expect(openai.map((f) => f['name'])).toEqual(['envoy.filters.http.ext_proc', 'envoy.filters.http.upstream_codec']);
    expect(openai[0]!['typed_config']['request_attributes']).toEqual(['xds.cluster_name']);
    expect(openai[0]!['typed_config']['grpc_service']['envoy_grpc']['cluster_name']).toBe('llm_extproc');
    expect(openai[0]!['typed_config']['processing_mode']).toMatchObject({ request_header_mode: 'SEND', request_body_mode: 'NONE', response_header_mode: 'SKIP' });
    // SigV4 signs the body: Bedrock's cluster buffers it.
    expect(filtersOf(byName.get('backend_bedrock'))![0]!['typed_config']['processing_mode']['request_body_mode']).toBe('BUFFERED');
    expect(filtersOf(byName.get('backend_local'))).toBeUndefined();
    // The names the processor maps back are the generated ones.
    expect([...backendsByClusterName(config).keys()].sort()).toEqual(['backend_bedrock', 'backend_local', 'backend_openai']);
  });

  it('can be turned off, and is off without any backend auth', () => {
    expect(clusters(generateEnvoyConfig(config, { ...opts, upstreamCredentials: false })).some((c) => filtersOf(c))).toBe(false);
    const plain = parseConfig(`${NO_WAITS}\nrules: [{ name: r, backends: [{ name: b, host: example.com }] }]`, 'test').config;
    expect(clusters(generateEnvoyConfig(plain, opts)).some((c) => filtersOf(c))).toBe(false);
  });
});

describe('upstream-level ext_proc for modelNameOverride', () => {
  const renaming = parseConfig(
    `
${NO_WAITS}
rules:
  - name: dated
    headers: [{ name: x-ai-eg-model, exact: gpt-4o }]
    backends:
      - { name: openai, host: api.openai.com, modelNameOverride: gpt-4o-2024-08-06 }
      - { name: local, host: vllm.default.svc, port: 8000, modelNameOverride: meta-llama/Llama-3.1-8B-Instruct }
  - name: gemini
    headers: [{ name: x-ai-eg-model, exact: gemini-pro }]
    backends:
      - { name: google, schema: { name: GCPGemini }, host: generativelanguage.googleapis.com, modelNameOverride: gemini-2.0-flash-001 }
  - name: mini
    headers: [{ name: x-ai-eg-model, exact: gpt-4o-mini }]
    backends:
      - { name: openai, host: api.openai.com }
`,
    'test',
  ).config;
  const yaml = generateEnvoyConfig(renaming, opts);
  const byName = new Map(clusters(yaml).map((c) => [c['name'] as string, c]));

  it('loads in Envoy (checked against Envoy’s API)', () => {
    expect(validateEnvoyConfig(yaml, { allowlist: ENVOY_API_ALLOWLIST }).map((p) => `${p.path}: ${p.message}`)).toEqual([]);
  });

  it('buffers the request body on the clusters of backends that rename the model, without any auth', () => {
    const mode = (name: string) => filtersOf(byName.get(name))?.[0]?.['typed_config']['processing_mode']['request_body_mode'];
    expect(mode('backend_openai')).toBe('BUFFERED');
    expect(mode('backend_local')).toBe('BUFFERED');
    // Gemini's schema differs from the input schema (OpenAI): requests reach it by translation,
    // which needs the body, and its responses go through the filter to be translated back.
    expect(mode('backend_google')).toBe('BUFFERED');
    const google = filtersOf(byName.get('backend_google'))?.[0]?.['typed_config']['processing_mode'];
    expect(google).toMatchObject({ response_header_mode: 'SEND', response_body_mode: 'STREAMED' });
    expect(filtersOf(byName.get('backend_openai'))?.[0]?.['typed_config']['processing_mode']).toMatchObject({ response_header_mode: 'SKIP', response_body_mode: 'NONE' });
    expect(filtersOf(byName.get('backend_openai_2'))).toBeUndefined();
  });

  it('gives a backend name used with two model names one cluster each, so each maps back to its own', () => {
    const backends = backendsByClusterName(renaming);
    expect(backends.get('backend_openai')?.modelNameOverride).toBe('gpt-4o-2024-08-06');
    expect(backends.get('backend_openai_2')?.modelNameOverride).toBeUndefined();
  });
});
