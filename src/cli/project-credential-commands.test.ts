import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialCipher } from '../access/credential-cipher.js';
import { createSqliteStore } from '../access/sqlite-store.js';
import { runCliIn } from './test-cli.js';

const OLD_KEY = randomBytes(32);
const NEW_KEY = randomBytes(32);
const SECRET = 'sk-team-a-own-openai-key';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-project-creds-'));
  await writeFile(join(dir, 'old.key'), OLD_KEY.toString('base64'));
  await writeFile(join(dir, 'new.key'), NEW_KEY.toString('hex'));
  await writeFile(join(dir, 'team-a-openai.key'), `${SECRET}\n`);
  const store = 'auth:\n  store: { driver: sqlite, path: data/keys.db }\n';
  await writeFile(join(dir, 'config.yaml'), `${store}  providerCredentials:\n    dataKey: { id: k1, filename: old.key }\n`);
  await writeFile(join(dir, 'rotated.yaml'), `${store}  providerCredentials:\n    dataKey: { id: k2, filename: new.key }\n    previousDataKeys: [{ id: k1, filename: old.key }]\n`);
  await writeFile(join(dir, 'new-only.yaml'), `${store}  providerCredentials:\n    dataKey: { id: k2, filename: new.key }\n`);
  await writeFile(join(dir, 'off.yaml'), store);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (...argv: string[]) => runCliIn(dir, argv, { readEnv: (n) => (n === 'TEAM_A_ANTHROPIC' ? 'ant-team-a' : undefined) });

async function sealedRows(): Promise<Array<{ project: string; provider: string; keyId: string; ciphertext: string }>> {
  const store = createSqliteStore(join(dir, 'data', 'keys.db'));
  try {
    const rows = await store.listProjectCredentials();
    return Promise.all(rows.map(async (r) => ({ ...r, ciphertext: (await store.getProjectCredential(r.project, r.provider))!.sealed.ciphertext })));
  } finally {
    await store.close();
  }
}

describe('llm-extproc project-credentials', () => {
  it('sets a credential from a file or a variable, sealed, never printed', async () => {
    expect((await run('projects', 'create', 'team-a', '--config', 'config.yaml')).code).toBe(0);
    const set = await run('project-credentials', 'set', 'team-a', 'openai', '--secret-file', 'team-a-openai.key', '--config', 'config.yaml');
    expect(set).toMatchObject({ code: 0, err: '' });
    expect(set.out).toMatch(/^team-a\/openai {2}key=k1 {2}updated .* {2}set\n$/);
    const json = await run('project-credentials', 'set', 'team-a', 'anthropic', '--secret-env', 'TEAM_A_ANTHROPIC', '--config', 'config.yaml', '--json');
    expect(JSON.parse(json.out)).toEqual({ credential: { project: 'team-a', provider: 'anthropic', keyId: 'k1', createdAt: expect.any(String), updatedAt: expect.any(String) } });
    const rows = await sealedRows();
    expect(rows.map((r) => `${r.project}/${r.provider}/${r.keyId}`)).toEqual(['team-a/anthropic/k1', 'team-a/openai/k1']);
    const file = await readFile(join(dir, 'data', 'keys.db'));
    expect(file.includes(Buffer.from(SECRET))).toBe(false);
    const openai = rows.find((r) => r.provider === 'openai')!;
    expect(new CredentialCipher({ id: 'k1', key: OLD_KEY }).open({ keyId: 'k1', ciphertext: openai.ciphertext }, 'team-a', 'openai')).toBe(SECRET);
    const listed = await run('project-credentials', 'list', 'team-a', '--config', 'config.yaml', '--json');
    expect(JSON.parse(listed.out).credentials.map((c: { provider: string }) => c.provider)).toEqual(['anthropic', 'openai']);
    expect(listed.out + set.out + json.out).not.toContain(SECRET);
    expect(listed.out).not.toContain('ant-team-a');
  });

  it('refuses bad usage with exit 2 and store refusals with exit 1', async () => {
    expect((await run('project-credentials', 'set', 'team-a', 'openai', '--config', 'config.yaml')).code).toBe(2);
    expect((await run('project-credentials', 'set', 'team-a', 'openai', '--secret-env', 'UNSET', '--config', 'config.yaml')).err).toContain('UNSET is unset');
    expect((await run('project-credentials', 'set', 'team-a', '--secret-file', 'team-a-openai.key', '--config', 'config.yaml')).code).toBe(2);
    expect((await run('project-credentials', 'set', 'bad name', 'openai', '--secret-file', 'team-a-openai.key', '--config', 'config.yaml')).code).toBe(2);
    expect((await run('project-credentials', 'frob', '--config', 'config.yaml')).code).toBe(2);
    const missing = await run('project-credentials', 'set', 'team-z', 'openai', '--secret-file', 'team-a-openai.key', '--config', 'config.yaml');
    expect(missing).toMatchObject({ code: 1, err: expect.stringContaining('"team-z" does not exist') });
    const off = await run('project-credentials', 'set', 'team-a', 'openai', '--secret-file', 'team-a-openai.key', '--config', 'off.yaml');
    expect(off).toMatchObject({ code: 1, err: expect.stringContaining('auth.providerCredentials is not configured') });
  });

  it('rotates the data key: reencrypt moves every credential to the new key; the old key can then go', async () => {
    // With only the new key configured, k1 rows cannot be opened: reencrypt says so and exits 1.
    const early = await run('project-credentials', 'reencrypt', '--config', 'new-only.yaml');
    expect(early.code).toBe(1);
    expect(early.err).toContain('cannot decrypt team-a/openai: its data key "k1" is not configured');
    const r = await run('project-credentials', 'reencrypt', '--config', 'rotated.yaml', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ keyId: 'k2', reencrypted: 2, skipped: 0, unreadable: [] });
    const rows = await sealedRows();
    expect(rows.every((row) => row.keyId === 'k2')).toBe(true);
    const cipher = new CredentialCipher({ id: 'k2', key: NEW_KEY });
    expect(cipher.open({ keyId: 'k2', ciphertext: rows.find((x) => x.provider === 'openai')!.ciphertext }, 'team-a', 'openai')).toBe(SECRET);
    expect((await run('project-credentials', 'reencrypt', '--config', 'new-only.yaml')).out).toContain('re-encrypted 0 credential(s) under data key k2');
  });

  it('removes a credential, audited as cli:<user>', async () => {
    const removed = await run('project-credentials', 'remove', 'team-a', 'anthropic', '--config', 'config.yaml');
    expect(removed.code).toBe(0);
    expect(removed.out).toContain('team-a/anthropic');
    expect((await run('project-credentials', 'remove', 'team-a', 'anthropic', '--config', 'config.yaml')).code).toBe(1);
    const store = createSqliteStore(join(dir, 'data', 'keys.db'));
    try {
      const actions = (await store.listAudit({ target: 'project:team-a' })).map((e) => [e.action, e.actor.startsWith('cli:')]);
      expect(actions.slice(0, 4)).toEqual([
        ['project_credential.remove', true],
        ['project_credential.reencrypt', true],
        ['project_credential.reencrypt', true],
        ['project_credential.set', true],
      ]);
    } finally {
      await store.close();
    }
  });
});
