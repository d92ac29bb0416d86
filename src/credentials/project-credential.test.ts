import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { CredentialUnavailableError } from './backend-credential.js';
import { upstreamCredentialChanges, type ProjectCredentialSource } from './project-credential.js';
import { SecretFiles } from './secret-files.js';
import { UpstreamCredentials } from './upstream-credentials.js';

const logger = pino({ level: 'silent' });
const config = parseConfig(
  `rules:
  - name: gemini
    backends: [{ name: gcp.gemini, schema: { name: GCPGemini }, auth: { apiKey: { key: g-backend } } }]
`,
  'test',
).config;
const credentials = new UpstreamCredentials(config, { files: new SecretFiles({ logger }), readEnv: () => undefined, logger });

/** Project credentials in memory, recording what was asked. */
class MemorySource implements ProjectCredentialSource {
  readonly asked: string[] = [];
  constructor(private readonly values: Record<string, string>, private readonly failing = false) {}
  async find(project: string, provider: string): Promise<string | undefined> {
    this.asked.push(`${project}/${provider}`);
    if (this.failing) throw new CredentialUnavailableError(provider, 'the key store cannot be read');
    return this.values[`${project}/${provider}`];
  }
}

const req = { method: 'POST', path: '/v1beta/models/g:generateContent?key=lxk_client', headers: {}, body: Buffer.from('{}') };

describe('upstreamCredentialChanges', () => {
  it('asks for the project and backend, and sends what it gets in the backend’s form', async () => {
    const source = new MemorySource({ 'team-a/gcp.gemini': 'g-team-a' });
    const changes = await upstreamCredentialChanges(credentials, source, { req, backend: 'gcp.gemini', strip: true, project: 'team-a' });
    expect(changes.set).toEqual([['x-goog-api-key', 'g-team-a'], [':path', '/v1beta/models/g:generateContent']]);
    expect(source.asked).toEqual(['team-a/gcp.gemini']);
  });

  it("falls back to the backend's credential only when the project has none, never when the lookup fails", async () => {
    const none = new MemorySource({});
    expect((await upstreamCredentialChanges(credentials, none, { req, backend: 'gcp.gemini', strip: true, project: 'team-b' })).set[0]).toEqual(['x-goog-api-key', 'g-backend']);
    const failing = new MemorySource({}, true);
    await expect(upstreamCredentialChanges(credentials, failing, { req, backend: 'gcp.gemini', strip: true, project: 'team-a' })).rejects.toBeInstanceOf(CredentialUnavailableError);
  });

  it('does not ask without a project or a known backend', async () => {
    const source = new MemorySource({ 'team-a/gcp.gemini': 'g-team-a' });
    await upstreamCredentialChanges(credentials, source, { req, backend: 'gcp.gemini', strip: false, project: undefined });
    await upstreamCredentialChanges(credentials, source, { req, backend: undefined, strip: true, project: 'team-a' });
    expect(source.asked).toEqual([]);
  });
});
