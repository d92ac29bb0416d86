import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { CredentialUnavailableError } from './backend-credential.js';
import { SecretFiles } from './secret-files.js';
import { UpstreamCredentials } from './upstream-credentials.js';

const logger = pino({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'creds-'));
writeFileSync(join(dir, 'openai'), 'sk-provider-file\n');
writeFileSync(join(dir, 'gcp-token'), 'ya29.file-token\n');
writeFileSync(join(dir, 'aws'), '[default]\naws_access_key_id=AKIDTEST\naws_secret_access_key=secret\n');
const secretFiles = new SecretFiles({ logger });
afterAll(() => secretFiles.close());

const config = parseConfig(
  `
rules:
  - name: r
    backends:
      - { name: openai, host: api.openai.com, auth: { apiKey: { filename: ${JSON.stringify(join(dir, 'openai'))} } } }
      - { name: anthropic, schema: { name: Anthropic }, auth: { apiKey: { env: ANTHROPIC_KEY } } }
      - { name: azure, schema: { name: AzureOpenAI }, auth: { apiKey: { key: az-key } } }
      - { name: entra, schema: { name: AzureOpenAI }, auth: { azure: { accessToken: entra-token } } }
      - { name: gemini, schema: { name: GCPGemini }, auth: { apiKey: { key: g-key } } }
      - { name: vertex, schema: { name: GCPVertexAI }, auth: { gcp: { accessToken: ya29.literal-token, region: us-central1, projectName: my-project } } }
      - { name: vertex-file, schema: { name: GCPAnthropic }, auth: { gcp: { filename: ${JSON.stringify(join(dir, 'gcp-token'))} } } }
      - { name: bedrock, schema: { name: AWSBedrock }, auth: { aws: { credentialFileName: ${JSON.stringify(join(dir, 'aws'))}, region: us-east-1 } } }
      - { name: nokey }
      - { name: missing, auth: { apiKey: { env: UNSET } } }
`,
  'test',
).config;
const creds = new UpstreamCredentials(config, { files: secretFiles, readEnv: (n) => (n === 'ANTHROPIC_KEY' ? 'ant-env-key' : undefined), logger });

const clientHeaders = { ':method': 'POST', authorization: 'Bearer gk-client', 'x-api-key': 'gk-client', 'api-key': 'x', 'x-goog-api-key': 'y', 'content-type': 'application/json' };
const req = (headers: Record<string, string> = clientHeaders, path = '/v1/chat/completions') => ({ method: 'POST', path, headers, body: Buffer.from('{}') });

describe('UpstreamCredentials', () => {
  it('sets each provider’s credential and removes every other client credential', async () => {
    expect(await creds.changes(req(), 'openai', true)).toEqual({ set: [['authorization', 'Bearer sk-provider-file']], remove: ['x-api-key', 'api-key', 'x-goog-api-key'] });
    expect(await creds.changes(req(), 'anthropic', false)).toEqual({
      set: [['x-api-key', 'ant-env-key'], ['anthropic-version', '2023-06-01']],
      remove: ['authorization', 'api-key', 'x-goog-api-key'],
    });
    expect((await creds.changes(req({ 'anthropic-version': '2024-01-01' }), 'anthropic', false)).set).toEqual([['x-api-key', 'ant-env-key']]);
    expect((await creds.changes(req(), 'azure', false)).set).toEqual([['api-key', 'az-key']]);
    expect((await creds.changes(req(), 'entra', false)).set).toEqual([['authorization', 'Bearer entra-token']]);
    expect((await creds.changes(req(), 'gemini', false)).set).toEqual([['x-goog-api-key', 'g-key']]);
  });

  it('sends a GCP access token (AI Gateway v0.2 auth.gcp, literal or from a file) as a Bearer token', async () => {
    expect(await creds.changes(req(), 'vertex', false)).toEqual({ set: [['authorization', 'Bearer ya29.literal-token']], remove: ['x-api-key', 'api-key', 'x-goog-api-key'] });
    expect((await creds.changes(req(), 'vertex-file', false)).set).toEqual([['authorization', 'Bearer ya29.file-token']]);
  });

  it('removes a client ?key= by rewriting :path', async () => {
    const c = await creds.changes(req({}, '/v1beta/models/g:streamGenerateContent?key=gk&alt=sse'), 'gemini', true);
    expect(c.set).toContainEqual([':path', '/v1beta/models/g:streamGenerateContent?alt=sse']);
  });

  it('signs Bedrock requests, replacing a client signature', async () => {
    const c = await creds.changes(req({ authorization: 'AWS4-HMAC-SHA256 client', 'x-amz-date': 'old', 'x-amz-security-token': 't' }, '/model/m/converse'), 'bedrock', false);
    const set = Object.fromEntries(c.set);
    expect(set['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\//);
    expect(set['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(c.remove).toEqual(['x-amz-security-token']);
  });

  it('without a credential: strips only when keys are in force (passthrough otherwise)', async () => {
    expect(await creds.changes(req(), 'nokey', false)).toEqual({ set: [], remove: [] });
    expect(await creds.changes(req(), 'nokey', true)).toEqual({ set: [], remove: ['authorization', 'x-api-key', 'api-key', 'x-goog-api-key'] });
    expect(await creds.changes(req(), undefined, true)).toMatchObject({ set: [] });
  });

  it('an unavailable secret is an error naming the backend, never a request without credential', async () => {
    await expect(creds.changes(req(), 'missing', false)).rejects.toBeInstanceOf(CredentialUnavailableError);
    await expect(creds.changes({ ...req(), body: undefined, path: '/model/m/converse' }, 'bedrock', false)).rejects.toThrow(/BUFFERED/);
  });

  it('sends a project secret instead of the backend credential, the way the backend schema sends a key', async () => {
    expect(creds.withSecret(req(), 'openai', 'sk-project')).toEqual({ set: [['authorization', 'Bearer sk-project']], remove: ['x-api-key', 'api-key', 'x-goog-api-key'] });
    expect(creds.withSecret(req(), 'anthropic', 'ant-project')?.set).toEqual([['x-api-key', 'ant-project'], ['anthropic-version', '2023-06-01']]);
    expect(creds.withSecret(req(), 'azure', 'az-project')?.set).toEqual([['api-key', 'az-project']]);
    expect(creds.withSecret(req(), 'nokey', 'sk-project')?.set).toEqual([['authorization', 'Bearer sk-project']]);
    const gemini = creds.withSecret(req({ 'x-goog-api-key': 'gk' }, '/v1beta/models/g:generateContent?key=gk&alt=sse'), 'gemini', 'g-project');
    expect(gemini).toEqual({ set: [['x-goog-api-key', 'g-project'], [':path', '/v1beta/models/g:generateContent?alt=sse']], remove: [], path: '/v1beta/models/g:generateContent?alt=sse' });
    // A Bedrock API key replaces the signature: the client's signing headers go.
    const bedrock = creds.withSecret(req({ authorization: 'AWS4-HMAC-SHA256 client', 'x-amz-date': 'd', 'x-amz-security-token': 't' }, '/model/m/converse'), 'bedrock', 'bedrock-api-key');
    expect(bedrock).toEqual({ set: [['authorization', 'Bearer bedrock-api-key']], remove: ['x-amz-date', 'x-amz-security-token'] });
    expect(creds.withSecret(req(), 'elsewhere', 'x')).toBeUndefined();
    expect(() => creds.withSecret(req(), 'openai', 'sk\r\nx-evil: 1')).toThrow(CredentialUnavailableError);
  });

  it('maps generated cluster names back to backends', () => {
    expect(creds.backendOfCluster('backend_openai')?.name).toBe('openai');
    expect(creds.backendOfCluster('backend_bedrock')?.name).toBe('bedrock');
    expect(creds.backendOfCluster('elsewhere')).toBeUndefined();
    expect(creds.any).toBe(true);
  });

  it('resolves relative secret file names from the config file’s directory', async () => {
    const relative = parseConfig('rules: [{ name: r, backends: [{ name: o, auth: { apiKey: { filename: openai } } }] }]', 'test').config;
    const c = new UpstreamCredentials(relative, { files: secretFiles, readEnv: () => undefined, logger }, { baseDir: dir });
    expect((await c.changes(req({}), 'o', false)).set).toEqual([['authorization', 'Bearer sk-provider-file']]);
  });
});
