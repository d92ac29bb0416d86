import { createHash } from 'node:crypto';
import { signSigV4 } from '../credentials/sigv4.js';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { SecretFiles } from '../credentials/secret-files.js';
import { UpstreamCredentials } from '../credentials/upstream-credentials.js';
import { credentialsHook } from '../credentials/credentials-hook.js';
import { backendsByClusterName } from '../envoy/bootstrap-clusters.js';
import type { Config } from '../config/schema.js';
import type { Generation } from './generation.js';
import type { PhaseMessage } from '../hooks/phase.js';
import { RequestProcessor } from './request-processor.js';

const logger = pino({ level: 'silent' });
const files = new SecretFiles({ logger });
afterAll(() => files.close());

const config = parseConfig(
  `
auth: { enabled: true }
rules:
  - name: chat
    backends:
      - { name: primary, host: api.openai.com, auth: { apiKey: { key: sk-primary } } }
      - { name: fallback, schema: { name: Anthropic }, host: api.anthropic.com, auth: { apiKey: { key: ant-fallback } } }
      - { name: bedrock, schema: { name: AWSBedrock }, host: bedrock-runtime.us-east-1.amazonaws.com, auth: { aws: { credentialFileLiteral: "[default]\\naws_access_key_id=AKIDX\\naws_secret_access_key=S", region: us-east-1 } } }
`,
  'test',
).config;

const outcomes: unknown[] = [];
/** A generation whose hooks are the real credentials hook and an outcome recorder. */
function generationOf(cfg: Config): Generation {
  const creds = new UpstreamCredentials(cfg, { files, readEnv: () => undefined, logger });
  return {
    config: cfg,
    hooks: [credentialsHook(cfg, creds, logger), { name: 'record', onOutcome: (o: unknown) => outcomes.push(o) }],
    backendOfCluster: backendsByClusterName(cfg),
    metrics: { newRequest: () => ({}) },
  } as unknown as Generation;
}
function processor(): RequestProcessor {
  return new RequestProcessor({
    generation: generationOf(config),
    logger,
    events: { passthrough: () => outcomes.push('passthrough'), decision: () => undefined },
    warnStreamedOnce: () => undefined,
  });
}

const headersMsg = (cluster: string, endOfStream = false, extra: Record<string, string> = {}): PhaseMessage => ({
  phase: 'requestHeaders',
  headers: { ':method': 'POST', ':path': '/v1/chat/completions?key=gk', 'x-ai-eg-selected-route': 'chat', authorization: 'Bearer gk-client', ...extra },
  endOfStream,
  observabilityMode: false,
  attributes: { 'xds.cluster_name': cluster },
});

describe('upstream-level calls', () => {
  it('put the picked backend’s credential on each attempt, without routing or authenticating', async () => {
    const first = await processor().handle(headersMsg('backend_primary'));
    expect(first).toEqual([
      {
        kind: 'continue',
        phase: 'requestHeaders',
        headers: { set: [['authorization', 'Bearer sk-primary'], [':path', '/v1/chat/completions']] },
      },
    ]);
    // A retry that falls back to the other provider carries that provider's key, and no gateway key.
    const retry = await processor().handle(headersMsg('backend_fallback'));
    expect(retry[0]).toMatchObject({
      headers: { set: [['x-api-key', 'ant-fallback'], ['anthropic-version', '2023-06-01'], [':path', '/v1/chat/completions']], remove: ['authorization'] },
    });
    expect(outcomes).toEqual([]); // not a request of its own: no outcome, no metrics
  });

  it('signs Bedrock attempts over the body', async () => {
    const p = processor();
    const h = await p.handle(headersMsg('backend_bedrock', false, { 'x-amz-date': 'x' }));
    expect(h[0]).toMatchObject({ kind: 'continue', headers: { remove: ['authorization'] } });
    const b = await p.handle({ phase: 'requestBody', body: Buffer.from('{"messages":[]}'), endOfStream: true, observabilityMode: false });
    expect(b[0]).toMatchObject({ kind: 'continue', phase: 'requestBody' });
    const set = Object.fromEntries((b[0] as unknown as { headers: { set: Array<[string, string]> } }).headers.set);
    expect(set['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDX\//);
    p.finish('completed');
    expect(outcomes).toEqual([]);
  });

  it('an unknown cluster gets client credentials stripped (keys are on) and nothing set', async () => {
    const r = await processor().handle(headersMsg('somewhere_else'));
    expect(r[0]).toMatchObject({ headers: { set: [[':path', '/v1/chat/completions']], remove: ['authorization'] } });
  });
});

describe('upstream-level calls with modelNameOverride', () => {
  const renaming = parseConfig(
    `
rules:
  - name: chat
    backends:
      - { name: dated, host: api.openai.com, modelNameOverride: gpt-4o-2024-08-06, auth: { apiKey: { key: sk-dated } } }
      - { name: plain, host: api.openai.com, auth: { apiKey: { key: sk-plain } } }
      - { name: signed, host: runtime.sagemaker.us-east-1.amazonaws.com, modelNameOverride: my-endpoint-model, auth: { aws: { credentialFileLiteral: "[default]\\naws_access_key_id=AKIDX\\naws_secret_access_key=S", region: us-east-1 } } }
      - { name: bedrock, schema: { name: AWSBedrock }, host: bedrock-runtime.us-east-1.amazonaws.com, modelNameOverride: "anthropic.claude-3-5-haiku-20241022-v1:0", auth: { aws: { credentialFileLiteral: "[default]\\naws_access_key_id=AKIDX\\naws_secret_access_key=S", region: us-east-1 } } }
      - { name: gem, schema: { name: GCPGemini }, host: generativelanguage.googleapis.com, modelNameOverride: gemini-2.0-flash-001 }
`,
    'test',
  ).config;
  const call = (): RequestProcessor =>
    new RequestProcessor({
      generation: generationOf(renaming),
      logger,
      events: { passthrough: () => undefined, decision: () => undefined },
      warnStreamedOnce: () => undefined,
    });
  const body = (text: string, endOfStream = true): PhaseMessage => ({ phase: 'requestBody', body: Buffer.from(text), endOfStream, observabilityMode: false });
  const replyOf = (r: unknown[]) => r[0] as { kind: string; body?: Buffer; headers?: { set: Array<[string, string]>; remove: string[] } };

  it("sends the picked backend's model name in the body, with its length", async () => {
    const p = call();
    const h = await p.handle(headersMsg('backend_dated'));
    expect(h[0]).toMatchObject({ headers: { set: [['authorization', 'Bearer sk-dated'], [':path', '/v1/chat/completions']] } });
    expect(replyOf(await p.handle(body('{"model":"gpt-4o",', false)))).toEqual({ kind: 'continue', phase: 'requestBody' });
    const r = replyOf(await p.handle(body('"messages":[]}')));
    expect(r.body?.toString()).toBe('{"model":"gpt-4o-2024-08-06","messages":[]}');
    expect(r.headers?.set).toEqual([['content-length', String(r.body!.length)]]);
  });

  it('leaves the body of a backend without an override, and a body already carrying the name', async () => {
    const plain = call();
    await plain.handle(headersMsg('backend_plain'));
    expect(replyOf(await plain.handle(body('{"model":"gpt-4o"}')))).toEqual({ kind: 'continue', phase: 'requestBody' });
    const same = call();
    await same.handle(headersMsg('backend_dated'));
    expect(replyOf(await same.handle(body('{"model":"gpt-4o-2024-08-06"}')))).toEqual({ kind: 'continue', phase: 'requestBody' });
  });

  it('signs over the renamed body', async () => {
    const p = call();
    const h = replyOf(await p.handle(headersMsg('backend_signed', false, { 'x-amz-date': 'x' })));
    expect(h.headers?.remove).toEqual(['authorization']);
    const r = replyOf(await p.handle(body('{"model":"m","messages":[]}')));
    expect(r.body?.toString()).toBe('{"model":"my-endpoint-model","messages":[]}');
    const set = Object.fromEntries(r.headers!.set);
    expect(set['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDX\//);
    expect(set['content-length']).toBe(String(r.body!.length));
    expect(set['x-amz-content-sha256']).toBe(createHash('sha256').update(r.body!).digest('hex'));
  });

  it('renames a model named in the URL in :path, and signs the renamed path', async () => {
    const gem = call();
    const g = replyOf(await gem.handle({ ...headersMsg('backend_gem', true), headers: { ':method': 'POST', ':path': '/v1beta/models/gemini-pro:generateContent', 'x-ai-eg-selected-route': 'chat' } }));
    expect(g.headers?.set).toEqual([[':path', '/v1beta/models/gemini-2.0-flash-001:generateContent']]);
    const bed = call();
    const path = '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse';
    const h = replyOf(await bed.handle({ ...headersMsg('backend_bedrock'), headers: { ':method': 'POST', ':path': path, 'x-ai-eg-selected-route': 'chat' } }));
    expect(Object.fromEntries(h.headers!.set)[':path']).toBe('/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
    const r = replyOf(await bed.handle(body('{"messages":[]}')));
    expect(r.body).toBeUndefined();
    const signed = Object.fromEntries(r.headers!.set);
    // The same signer, given the renamed path and the attempt's signing time, gives the same signature.
    const at = signed['x-amz-date']!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z');
    const expected = await signSigV4(
      { method: 'POST', host: 'bedrock-runtime.us-east-1.amazonaws.com', path: '/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse', body: Buffer.from('{"messages":[]}'), region: 'us-east-1', service: 'bedrock', date: new Date(at) },
      { accessKeyId: 'AKIDX', secretAccessKey: 'S' },
    );
    expect(signed['authorization']).toBe(Object.fromEntries(expected)['authorization']);
  });
});
