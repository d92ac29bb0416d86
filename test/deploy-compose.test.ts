/**
 * The docker-compose demo: the compose file points at files that exist and agree with each other
 * (Envoy image of the targeted release, Envoy config generated for the compose service names,
 * llm-extproc config mounted where the environment says), and the mock LLM server answers the
 * official OpenAI client, JSON and streaming, with usage.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../src/config/load.js';
import { ENVOY_TARGET_RELEASE } from '../src/envoy/bootstrap.js';
import { createMockLlmServer } from '../deploy/mock-llm/server.mjs';
import { REPO_ROOT } from './support/shipped-envoy-configs.js';

/** Parsed YAML, walked in assertions. */
type Obj = Record<string, any>;
const DEPLOY = path.join(REPO_ROOT, 'deploy');
const compose = parse(readFileSync(path.join(DEPLOY, 'docker-compose.yaml'), 'utf8')) as Obj;
const services = compose['services'] as Record<string, Obj>;
const mounts = (svc: Obj) =>
  (svc['volumes'] as string[]).map((v) => {
    const [source, target] = v.split(':');
    return { source: path.resolve(DEPLOY, source as string), target: target as string };
  });

describe('docker-compose.yaml', () => {
  it('runs Envoy of the targeted release, llm-extproc from the Dockerfile, and the mock LLM', () => {
    expect(Object.keys(services).sort()).toEqual(['envoy', 'llm-extproc', 'mock-llm']);
    expect(services['envoy']?.['image']).toBe(`envoyproxy/envoy:v${ENVOY_TARGET_RELEASE}-latest`);
    const build = services['llm-extproc']?.['build'];
    expect(existsSync(path.resolve(DEPLOY, build['context'], build['dockerfile']))).toBe(true);
    expect(services['envoy']?.['depends_on']['llm-extproc']).toEqual({ condition: 'service_healthy' });
  });

  it('mounts files that exist, where the services read them', () => {
    for (const svc of Object.values(services)) for (const m of mounts(svc)) expect(existsSync(m.source), m.source).toBe(true);
    const envoyConfig = mounts(services['envoy'] as Obj).find((m) => m.target === '/etc/envoy/envoy.yaml');
    expect(path.relative(DEPLOY, envoyConfig?.source ?? '')).toBe(path.join('compose', 'envoy.yaml'));
    expect(services['envoy']?.['command']).toEqual(expect.arrayContaining(['-c', '/etc/envoy/envoy.yaml']));
    const extprocConfig = mounts(services['llm-extproc'] as Obj).find((m) => m.target === services['llm-extproc']?.['environment']['LLM_EXTPROC_CONFIG']);
    expect(extprocConfig).toBeDefined();
    const mockDir = mounts(services['mock-llm'] as Obj)[0];
    expect(services['mock-llm']?.['command']).toEqual(['node', `${mockDir?.target}/server.mjs`]);
  });

  it('Envoy reaches llm-extproc and the mock LLM by their compose service names', () => {
    const envoy = parse(readFileSync(path.join(DEPLOY, 'compose', 'envoy.yaml'), 'utf8')) as Obj;
    const addressOf = (name: string) =>
      envoy['static_resources']['clusters'].find((c: Obj) => c['name'] === name).load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
    expect(addressOf('llm_extproc')).toEqual({ address: 'llm-extproc', port_value: 50051 });
    expect(addressOf('backend_mock-llm')).toEqual({ address: 'mock-llm', port_value: Number(services['mock-llm']?.['environment']['PORT']) });
    const mock = envoy['static_resources']['clusters'].find((c: Obj) => c['name'] === 'backend_mock-llm');
    expect(mock['transport_socket']).toBeUndefined();
    const config = parseConfig(readFileSync(path.join(DEPLOY, 'compose', 'config.yaml'), 'utf8'), 'compose config').config;
    expect(config.grpc.address.endsWith(':50051')).toBe(true);
    expect(services['llm-extproc']?.['ports']).toContain(`${config.admin.address.split(':').pop()}:9464`);
  });
});

describe('mock LLM server', () => {
  const server = createMockLlmServer();
  let baseURL = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const client = () => new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: 'not-needed', maxRetries: 0 });

  it('answers a chat completion as JSON with usage', async () => {
    const r = await client().chat.completions.create({ model: 'mock-small', messages: [{ role: 'user', content: 'hello there' }] });
    expect(r.choices[0]?.message.content).toBe('Mock reply to: hello there');
    expect(r.model).toBe('mock-small');
    expect(r.usage?.total_tokens).toBe((r.usage?.prompt_tokens ?? 0) + (r.usage?.completion_tokens ?? 0));
    expect(r.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it('streams SSE chunks and, when asked, a final usage chunk', async () => {
    const stream = await client().chat.completions.create({
      model: 'mock-small',
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: { total_tokens: number } | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Mock reply to: stream please');
    expect(usage?.total_tokens).toBeGreaterThan(0);
    const plain = await client().chat.completions.create({ model: 'mock-small', messages: [{ role: 'user', content: 'x' }], stream: true });
    for await (const chunk of plain) expect(chunk.usage ?? undefined).toBeUndefined();
  });

  it('answers bad requests with OpenAI-shaped errors, and lists its model', async () => {
    const bad = await fetch(`${baseURL}/v1/chat/completions`, { method: 'POST', body: '{not json' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Obj)['error']['message']).toContain('not valid JSON');
    const noModel = await fetch(`${baseURL}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [] }) });
    expect(noModel.status).toBe(400);
    expect((await client().models.list()).data.map((m) => m.id)).toEqual(['mock-small']);
    expect((await fetch(`${baseURL}/healthz`)).status).toBe(200);
    expect((await fetch(`${baseURL}/nope`)).status).toBe(404);
  });
});
