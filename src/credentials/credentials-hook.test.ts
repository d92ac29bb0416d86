import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { describeHookContract, fakeHookAttempt, fakeHookRequest } from '../testing.js';
import { credentialsHook } from './credentials-hook.js';
import { SecretFiles } from './secret-files.js';
import { UpstreamCredentials } from './upstream-credentials.js';

const logger = pino({ level: 'silent' });
const files = new SecretFiles({ logger });
afterAll(() => files.close());

const { config } = parseConfig(
  `
auth: { enabled: true }
rules:
  - name: openai
    backends: [{ name: openai, auth: { apiKey: { key: sk-provider } } }]
  - name: broken
    backends: [{ name: broken, auth: { apiKey: { filename: /nonexistent/secret } } }]
  - name: bedrock
    backends: [{ name: bedrock, schema: { name: AWSBedrock }, host: bedrock-runtime.us-east-1.amazonaws.com, auth: { aws: { credentialFileLiteral: "[default]\\naws_access_key_id=AKIDX\\naws_secret_access_key=S", region: us-east-1 } } }]
`,
  'test',
);
const creds = new UpstreamCredentials(config, { files, readEnv: () => undefined, logger });
const hook = credentialsHook(config, creds, logger);
const backend = (name: string) => config.rules.flatMap((r) => r.backends).find((b) => b.name === name);

describeHookContract('credentials', () => hook);

describe('the credentials hook', () => {
  it('puts a single backend’s credential on the request in place of the client’s', async () => {
    const r = await hook.onRequest!(fakeHookRequest({ headers: { authorization: 'Bearer gk-client' }, backend: backend('openai') }));
    expect(r).toEqual({ headers: { set: [['authorization', 'Bearer sk-provider']], remove: [] } });
  });

  it('answers 503 in the client’s shape when a credential cannot be read', async () => {
    await expect(Promise.resolve(hook.onRequest!(fakeHookRequest({ rule: 'broken', backend: backend('broken') })))).rejects.toMatchObject({ status: 503, code: 'upstream_credential_unavailable' });
  });

  it('signs a Bedrock attempt over its body: the headers stage only strips, the body stage signs', async () => {
    const attempt = { cluster: 'backend_bedrock', backend: backend('bedrock'), rule: 'bedrock', path: '/model/m/converse', headers: { ':method': 'POST', ':path': '/model/m/converse', authorization: 'Bearer gk-client' } };
    expect(hook.attemptNeedsBody!(fakeHookAttempt(attempt))).toBe(true);
    expect(await hook.onAttempt!(fakeHookAttempt(attempt))).toEqual({ headers: { set: [], remove: ['authorization'] } });
    const signed = (await hook.onAttempt!(fakeHookAttempt({ ...attempt, stage: 'body', body: Buffer.from('{"messages":[]}') }))) as { headers: { set: Array<[string, string]> } };
    expect(Object.fromEntries(signed.headers.set)['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDX\//);
  });

  it('acts on the headers of an attempt that does not sign, and ignores its body stage', async () => {
    const attempt = { cluster: 'backend_openai', backend: backend('openai'), headers: { ':method': 'POST', ':path': '/v1/chat/completions' } };
    expect(hook.attemptNeedsBody!(fakeHookAttempt(attempt))).toBe(false);
    expect(await hook.onAttempt!(fakeHookAttempt(attempt))).toEqual({ headers: { set: [['authorization', 'Bearer sk-provider']], remove: [] } });
    expect(await hook.onAttempt!(fakeHookAttempt({ ...attempt, stage: 'body', body: Buffer.from('{}') }))).toBeUndefined();
  });
});
