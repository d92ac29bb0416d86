/**
 * Access control and upstream credentials end to end: the official OpenAI and Anthropic SDKs
 * (and fetch for Gemini and Bedrock) through the Envoy-protocol harness and the real service,
 * gateway keys from an in-memory key lookup, mock providers that record what they received.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSigV4 } from '../../src/credentials/sigv4.js';
import { createExtProcClient } from '../harness/ext-proc-client.js';
import { startHarness, type Harness } from '../harness/harness.js';
import { startMockUpstream, type MockUpstream, type RecordedRequest } from '../harness/mock-upstream.js';
import { loadCassette } from '../support/cassettes.js';
import { FakeKeyLookup, gatewayKey } from '../support/fake-keys.js';
import { providerFixture } from '../support/provider-fixtures.js';
import { startService, type TestService } from '../support/service.js';

const GOOD = 'gk-live-0a1b2c3d4e5f';
const SECRETS = {
  openai: 'sk-provider-openai-9f8e7d',
  openaiRotated: 'sk-provider-openai-rotated-5c4b',
  anthropic: 'sk-ant-provider-6a5b4c',
  gemini: 'AIza-provider-gemini-3d2c',
  awsSecret: 'aws-secret-key-1q2w3e4r',
};
const KEYS: Record<string, Parameters<typeof gatewayKey>[0]> = {
  [GOOD]: { id: 'key-good' },
  'gk-revoked-11aa': { id: 'key-revoked', revoked: true },
  'gk-expired-22bb': { id: 'key-expired', expiresAt: 1 },
  'gk-limit-33cc': { id: 'key-limit', maxRequests: 1, requestCount: 1 },
  'gk-inactive-44dd': { id: 'key-inactive', projectActive: false },
  'gk-claude-only-55ee': { id: 'key-claude', allowedModels: ['claude-*'] },
  'gk-anthropic-rule-66ff': { id: 'key-anthropic-rule', allowedRules: ['anthropic'] },
};
const ALL_SECRETS = [...Object.keys(KEYS), ...Object.values(SECRETS)];

const dir = mkdtempSync(join(tmpdir(), 'access-security-'));
const openaiKeyFile = join(dir, 'openai-key');
writeFileSync(openaiKeyFile, `${SECRETS.openai}\n`);

const CONFIG = `
auth: { enabled: true }
policy:
  requestHeaders: { add: { x-gateway-rule: "\${rule}" } }
  responseHeaders: { add: { x-gateway-request-id: "\${request_id}" } }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai, auth: { apiKey: { filename: ${JSON.stringify(openaiKeyFile)} } } }]
    policy: { body: { maximums: { max_tokens: 100 }, forbiddenFields: [logit_bias] } }
  - name: anthropic
    headers: [{ name: x-ai-eg-model, prefix: "claude-" }]
    backends: [{ name: anthropic, schema: { name: Anthropic }, auth: { apiKey: { env: ANTHROPIC_PROVIDER_KEY } } }]
  - name: gemini
    headers: [{ name: x-ai-eg-model, prefix: "gemini-" }]
    backends: [{ name: gemini, schema: { name: GCPGemini }, auth: { apiKey: { key: ${SECRETS.gemini} } } }]
  - name: bedrock
    headers: [{ name: x-ai-eg-model, prefix: "anthropic." }]
    backends:
      - name: bedrock
        schema: { name: AWSBedrock }
        host: bedrock-runtime.us-east-1.amazonaws.com
        auth: { aws: { credentialFileLiteral: "[default]\\naws_access_key_id = AKIDGATEWAY\\naws_secret_access_key = ${SECRETS.awsSecret}\\n", region: us-east-1 } }
  - name: selfhosted
    headers: [{ name: x-ai-eg-model, prefix: "llama-" }]
    backends: [{ name: vllm }]
  - name: public
    headers: [{ name: x-ai-eg-model, prefix: "free-" }]
    access: { required: false }
    backends: [{ name: vllm }]
`;

let svc: TestService;
let harness: Harness;
const keys = new FakeKeyLookup();
for (const [secret, facts] of Object.entries(KEYS)) keys.set(secret, gatewayKey(facts));
const upstreams: Record<string, MockUpstream> = {};

function json(res: import('node:http').ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
}

beforeAll(async () => {
  svc = await startService({ yaml: CONFIG, keys, readEnv: (n) => (n === 'ANTHROPIC_PROVIDER_KEY' ? SECRETS.anthropic : undefined) });
  const chat = loadCassette('chat-basic').interactions[0]!.response.body;
  upstreams['openai'] = await startMockUpstream({ handler: (_req, res) => json(res, chat) });
  upstreams['selfhosted'] = await startMockUpstream({ handler: (_req, res) => json(res, chat) });
  upstreams['public'] = upstreams['selfhosted'];
  upstreams['anthropic'] = await startMockUpstream({ handler: (_req, res) => json(res, providerFixture('anthropic-message.json').toString()) });
  upstreams['gemini'] = await startMockUpstream({ handler: (_req, res) => json(res, providerFixture('gemini-generate-content.json').toString()) });
  upstreams['bedrock'] = await startMockUpstream({ handler: (_req, res) => json(res, providerFixture('bedrock-converse.json').toString()) });
  harness = await startHarness({
    processorAddress: svc.target,
    mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
    allowModeOverride: true,
    routes: Object.keys(upstreams).map((r) => ({ header: 'x-ai-eg-selected-route', value: r, upstream: r })),
    upstreams,
  });
});

afterAll(async () => {
  await harness?.close();
  await Promise.all([...new Set(Object.values(upstreams))].map((u) => u.close()));
  await svc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const openai = (apiKey: string, defaultHeaders: Record<string, string> = {}) =>
  new OpenAI({ baseURL: `${harness.url}/v1`, apiKey, maxRetries: 0, defaultHeaders });
const chat = (apiKey: string, model = 'gpt-5-nano', extra: Record<string, unknown> = {}) =>
  openai(apiKey).chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming);
const lastSeen = (name: string): RecordedRequest => upstreams[name]!.requests.at(-1)!;
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

/** Every header value and the path an upstream saw, as one string to search for secrets. */
function seenText(r: RecordedRequest): string {
  return `${r.path}\n${JSON.stringify(r.headers)}\n${r.body.toString()}`;
}

describe('a client with a valid gateway key', () => {
  it('reaches OpenAI carrying only the provider key', async () => {
    const before = keys.counted.length;
    const completion = await chat(GOOD);
    expect(completion.choices[0]?.message.content).toBeTruthy();
    const seen = lastSeen('openai');
    expect(seen.headers['authorization']).toBe(`Bearer ${SECRETS.openai}`);
    expect(seenText(seen)).not.toContain(GOOD);
    expect(seen.headers['x-gateway-rule']).toBe('openai');
    expect(keys.counted.slice(before)).toEqual(['key-good']);
    expect(harness.violations).toEqual([]);
  });

  it('reaches Anthropic with x-api-key and a default anthropic-version, through the Anthropic SDK', async () => {
    const client = new Anthropic({ baseURL: harness.url, apiKey: GOOD, maxRetries: 0 });
    const msg = await client.messages.create({ model: 'claude-gateway-test', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] });
    expect(msg.content.length).toBeGreaterThan(0);
    const seen = lastSeen('anthropic');
    expect(seen.headers['x-api-key']).toBe(SECRETS.anthropic);
    expect(seen.headers['anthropic-version']).toBeTruthy();
    expect(seen.headers['authorization']).toBeUndefined();
    expect(seenText(seen)).not.toContain(GOOD);
  });

  it('reaches Gemini with x-goog-api-key; the client ?key= is removed from the path', async () => {
    const res = await fetch(`${harness.url}/v1beta/models/gemini-2.5-flash:generateContent?key=${GOOD}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }),
    });
    expect(res.status).toBe(200);
    const seen = lastSeen('gemini');
    expect(seen.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(seen.headers['x-goog-api-key']).toBe(SECRETS.gemini);
    expect(seenText(seen)).not.toContain(GOOD);
  });

  it('reaches Bedrock with a SigV4 signature over exactly the body the upstream received', async () => {
    const res = await fetch(`${harness.url}/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${GOOD}`, 'x-amz-security-token': 'client-token' },
      body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'Hi' }] }] }),
    });
    expect(res.status).toBe(200);
    const seen = lastSeen('bedrock');
    const auth = String(seen.headers['authorization']);
    expect(auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDGATEWAY\/\d{8}\/us-east-1\/bedrock\/aws4_request, /);
    expect(seen.headers['x-amz-security-token']).toBeUndefined();
    const amzDate = String(seen.headers['x-amz-date']);
    const date = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
    const recomputed = Object.fromEntries(
      await signSigV4(
        { method: seen.method, host: 'bedrock-runtime.us-east-1.amazonaws.com', path: seen.path, contentType: String(seen.headers['content-type']), body: seen.body, region: 'us-east-1', service: 'bedrock', date },
        { accessKeyId: 'AKIDGATEWAY', secretAccessKey: SECRETS.awsSecret },
      ),
    );
    expect(recomputed['authorization']).toBe(auth);
    expect(seenText(seen)).not.toContain(GOOD);
  });

  it('on a backend without a provider credential, the gateway key is still stripped', async () => {
    await chat(GOOD, 'llama-3-70b');
    const seen = lastSeen('selfhosted');
    expect(seen.headers['authorization']).toBeUndefined();
    expect(seenText(seen)).not.toContain(GOOD);
  });

  it('a rule with access.required false needs no key and passes the client’s own credential', async () => {
    await chat('client-own-token', 'free-model');
    expect(lastSeen('public').headers['authorization']).toBe('Bearer client-own-token');
  });

  it('picks up a rotated provider key file', async () => {
    writeFileSync(openaiKeyFile, `${SECRETS.openaiRotated}\n`);
    await expect
      .poll(async () => {
        await chat(GOOD);
        return lastSeen('openai').headers['authorization'];
      })
      .toBe(`Bearer ${SECRETS.openaiRotated}`);
  });

  it('sets response headers from the policy', async () => {
    const res = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${GOOD}`, 'x-request-id': 'req-123' },
      body: JSON.stringify({ model: 'gpt-5-nano', messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gateway-request-id')).toBe('req-123');
  });
});

describe('spoofing', () => {
  it('internal headers and client-sent provider keys never reach the upstream when auth is on', async () => {
    const client = openai(GOOD, {
      'x-ai-eg-selected-route': 'anthropic',
      'x-ai-eg-model': 'claude-x',
      'x-api-key': 'sk-ant-client-smuggled',
      'x-goog-api-key': 'client-goog',
      'api-key': 'client-azure',
    });
    await client.chat.completions.create({ model: 'gpt-5-nano', messages: [{ role: 'user', content: 'Hi' }] });
    const seen = lastSeen('openai');
    expect(seen.headers['x-ai-eg-selected-route']).toBe('openai');
    expect(seen.headers['x-ai-eg-model']).toBe('gpt-5-nano');
    for (const h of ['x-api-key', 'x-goog-api-key', 'api-key']) expect(seen.headers[h]).toBeUndefined();
    expect(seenText(seen)).not.toMatch(/client-goog|client-azure|smuggled/);
  });
});

describe('rejections, as each SDK reports them', () => {
  it('missing key: 401 missing_api_key in the OpenAI error shape', async () => {
    const res = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5-nano', messages: [] }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { type: 'authentication_error', code: 'missing_api_key' } });
  });

  it('unknown key: OpenAI.AuthenticationError invalid_api_key', async () => {
    const err = await failure(chat('gk-unknown-77gg'));
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
  });

  it.each([
    ['gk-revoked-11aa', 'gpt-5-nano', 'key_revoked'],
    ['gk-expired-22bb', 'gpt-5-nano', 'key_expired'],
    ['gk-limit-33cc', 'gpt-5-nano', 'key_request_limit'],
    ['gk-inactive-44dd', 'gpt-5-nano', 'project_inactive'],
    ['gk-claude-only-55ee', 'gpt-5-nano', 'model_not_allowed'],
    ['gk-anthropic-rule-66ff', 'gpt-5-nano', 'rule_not_allowed'],
  ])('%s on %s: OpenAI.PermissionDeniedError %s', async (secret, model, code) => {
    const before = upstreams['openai']!.requests.length;
    const err = await failure(chat(secret, model));
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((err as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe(code);
    expect(JSON.stringify((err as { error?: unknown }).error)).not.toContain(secret);
    expect(upstreams['openai']!.requests.length).toBe(before);
  });

  it('Anthropic SDK: AuthenticationError and PermissionDeniedError in Anthropic’s shape', async () => {
    const create = (apiKey: string, model: string) =>
      new Anthropic({ baseURL: harness.url, apiKey, maxRetries: 0 }).messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
    const unknown = await failure(create('gk-unknown-88hh', 'claude-gateway-test'));
    expect(unknown).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((unknown as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const denied = await failure(create('gk-anthropic-rule-66ff', 'claude-gateway-test'));
    expect(denied).toBeUndefined(); // this key may use the anthropic rule
    const model = await failure(create('gk-claude-only-55ee', 'claude-gateway-test'));
    expect(model).toBeUndefined();
    const revoked = await failure(create('gk-revoked-11aa', 'claude-gateway-test'));
    expect(revoked).toBeInstanceOf(Anthropic.PermissionDeniedError);
  });

  it('policy: max_tokens over the maximum is a 400, a forbidden field a 403', async () => {
    const big = await failure(chat(GOOD, 'gpt-5-nano', { max_tokens: 1000 }));
    expect(big).toBeInstanceOf(OpenAI.BadRequestError);
    expect((big as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('value_too_large');
    expect((big as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('max_tokens');
    const forbidden = await failure(chat(GOOD, 'gpt-5-nano', { logit_bias: { '1': 1 } }));
    expect(forbidden).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((forbidden as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe('field_forbidden');
  });

  it('Gemini and Bedrock clients get their own shapes', async () => {
    const gem = await fetch(`${harness.url}/v1beta/models/gemini-2.5-flash:generateContent?key=gk-nope`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [] }),
    });
    expect(gem.status).toBe(401);
    expect(await gem.json()).toEqual({ error: { code: 401, message: expect.any(String), status: 'UNAUTHENTICATED' } });
    const bed = await fetch(`${harness.url}/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer gk-revoked-11aa' },
      body: JSON.stringify({ messages: [] }),
    });
    expect(bed.status).toBe(403);
    expect(bed.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
  });
});

describe('upstream-level calls against the real service', () => {
  it('an attempt on a cluster gets that backend’s key, whatever the client sent', async () => {
    const client = createExtProcClient(svc.target);
    try {
      const stream = client.open();
      const reply = new Promise<Record<string, any>>((resolve, reject) => {
        stream.once('data', resolve);
        stream.once('error', reject);
      });
      const raw = (s: string) => Buffer.from(s);
      stream.write({
        requestHeaders: {
          headers: {
            headers: [
              { key: ':method', rawValue: raw('POST') },
              { key: ':path', rawValue: raw('/v1/messages') },
              { key: 'x-ai-eg-selected-route', rawValue: raw('anthropic') },
              { key: 'authorization', rawValue: raw(`Bearer ${GOOD}`) },
            ],
          },
          endOfStream: false,
        },
        attributes: { 'envoy.filters.http.ext_proc': { fields: { 'xds.cluster_name': { stringValue: 'backend_anthropic' } } } },
      });
      const r = await reply;
      stream.end();
      const mutation = r['requestHeaders']['response']['headerMutation'];
      const set = Object.fromEntries(mutation.setHeaders.map((h: any) => [h.header.key, Buffer.from(h.header.rawValue).toString()]));
      expect(set['x-api-key']).toBe(SECRETS.anthropic);
      expect(mutation.removeHeaders).toEqual(['authorization']);
    } finally {
      client.close();
    }
  });
});

describe('credentials never leak', () => {
  it('not into logs, metric labels or anything the harness recorded for clients', async () => {
    const metrics = await svc.metricsText();
    const logs = svc.logText();
    for (const secret of ALL_SECRETS) {
      expect(logs).not.toContain(secret);
      expect(metrics).not.toContain(secret);
    }
    expect(harness.exchanges.length).toBeGreaterThan(10);
    for (const ex of harness.exchanges) {
      const toClient = `${JSON.stringify(ex.responseHeaders ?? [])}${ex.responseBody.toString()}`;
      for (const secret of ALL_SECRETS) expect(toClient).not.toContain(secret);
    }
  });
});
