import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../access/sqlite-store.js';
import { cliActor } from './access-commands.js';
import { runCliIn } from './test-cli.js';

let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-keys-'));
  config = join(dir, 'config.yaml');
  // A relative store path resolves against the config file's directory.
  await writeFile(config, 'auth:\n  store: { driver: sqlite, path: data/keys.db }\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (...argv: string[]) => runCliIn(dir, argv);

describe('llm-extproc projects / keys', () => {
  let id: string;
  let secret: string;

  it('creates and lists projects', async () => {
    expect(await run('projects', 'create', 'team-a', '--config', config)).toMatchObject({ code: 0, out: expect.stringMatching(/^team-a {2}active/) });
    const again = await run('projects', 'create', 'team-a', '--config', config);
    expect(again.code).toBe(1);
    expect(again.err).toContain('already exists');
    const listed = await run('projects', 'list', '--config', config, '--json');
    expect(JSON.parse(listed.out).projects).toEqual([{ name: 'team-a', active: true, createdAt: expect.any(String), rateLimits: null }]);
  });

  it('says to create a missing project first, with the command', async () => {
    const r = await run('keys', 'create', '--config', config, '--project', 'team-new', '--name', 'ci');
    expect(r.code).toBe(1);
    expect(r.err).toBe(`llm-extproc keys create: project "team-new" does not exist: create it first with \`llm-extproc projects create team-new --config ${config}\`\n`);
    expect((await run('projects', 'create', 'team-new', '--config', config)).code).toBe(0);
    expect((await run('keys', 'create', '--config', config, '--project', 'team-new', '--name', 'ci')).code).toBe(0);
  });

  it('creates a key and prints its secret once', async () => {
    const r = await run('keys', 'create', '--config', config, '--project', 'team-a', '--name', 'ci', '--models', 'gpt-*', '--rules', 'openai', '--expires', '30d', '--max-requests', '100', '--json');
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as { key: { id: string; allowedModels: string[]; allowedRules: string[]; maxRequests: number; expiresAt: string }; secret: string };
    ({ id } = body.key);
    secret = body.secret;
    expect(secret).toMatch(new RegExp(`^lxk_${id}_`));
    expect(body.key).toMatchObject({ allowedModels: ['gpt-*'], allowedRules: ['openai'], maxRequests: 100 });
    expect(Date.parse(body.key.expiresAt)).toBeGreaterThan(Date.now() + 29 * 86_400_000);

    const human = await run('keys', 'create', '--config', config, '--project', 'team-a', '--name', 'human');
    expect(human.out).toMatch(/^secret: lxk_/m);
    expect(human.err).toContain('not shown again');

    for (const argv of [['keys', 'get', id], ['keys', 'list'], ['keys', 'list', '--json']]) {
      const out = (await run(...argv, '--config', config)).out;
      expect(out).toContain(id);
      expect(out).not.toContain(secret);
    }
  });

  it('updates and revokes, audited as cli:<user>', async () => {
    const u = await run('keys', 'update', id, '--config', config, '--models', 'claude-*,gpt-4o', '--max-requests', 'none', '--expires', 'never', '--json');
    expect(u.code).toBe(0);
    expect(JSON.parse(u.out).key).toMatchObject({ allowedModels: ['claude-*', 'gpt-4o'], maxRequests: null, expiresAt: null });
    const cleared = await run('keys', 'update', id, '--config', config, '--rules', '', '--json');
    expect(JSON.parse(cleared.out).key.allowedRules).toEqual([]);
    expect((await run('keys', 'revoke', id, '--config', config)).out).toContain('REVOKED');
    expect((await run('projects', 'deactivate', 'team-a', '--config', config)).out).toContain('INACTIVE');
    expect((await run('projects', 'activate', 'team-a', '--config', config)).out).toMatch(/team-a {2}active/);

    const store = createSqliteStore(join(dir, 'data', 'keys.db'));
    try {
      const entries = await store.listAudit({ target: `key:${id}` });
      expect(entries.map((e) => e.action)).toEqual(['key.revoke', 'key.update', 'key.update', 'key.create']);
      expect(new Set(entries.map((e) => e.actor))).toEqual(new Set([cliActor()]));
      expect(cliActor()).toMatch(/^cli:./);
    } finally {
      await store.close();
    }
  });

  it('unknown ids and projects exit 1 with a message', async () => {
    for (const argv of [
      ['keys', 'get', 'ffffffffffffffff'],
      ['keys', 'revoke', 'ffffffffffffffff'],
      ['keys', 'update', 'ffffffffffffffff', '--name', 'x'],
      ['projects', 'activate', 'nope'],
      ['keys', 'create', '--project', 'nope', '--name', 'x'],
    ]) {
      const r = await run(...argv, '--config', config);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err).toMatch(/does not exist/);
    }
  });

  it.each([
    [['keys']],
    [['keys', 'explode']],
    [['keys', 'create', '--name', 'x']],
    [['keys', 'create', '--project', 'team-a', '--name', 'x', '--expires', 'soon']],
    [['keys', 'create', '--project', 'team-a', '--name', 'x', '--max-requests', '-3']],
    [['keys', 'create', 'extra', '--project', 'team-a', '--name', 'x']],
    [['keys', 'get']],
    [['keys', 'get', 'a', 'b']],
    [['keys', 'update', 'ffffffffffffffff']],
    [['keys', 'list', '--bogus']],
    [['projects', 'create']],
    [['projects', 'create', 'bad name']],
    [['projects', 'list', 'extra']],
    [['check', 'positional']],
  ])('usage error %j exits 2', async (argv) => {
    const r = await run(...argv, '--config', config);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--help/);
  });

  it('a config whose store cannot open exits 1 with the reason', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'auth:\n  store: { driver: postgres, url: { env: NOT_SET_ANYWHERE } }\n');
    const r = await run('keys', 'list', '--config', bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain('NOT_SET_ANYWHERE');
  });
  it('route checks a presented key against the store in a dry run, without counting it', async () => {
    const created = JSON.parse((await run('keys', 'create', '--config', config, '--project', 'team-a', '--name', 'dry', '--json')).out) as { key: { id: string }; secret: string };
    await writeFile(join(dir, 'auth-on.yaml'), 'auth:\n  enabled: true\n  store: { driver: sqlite, path: data/keys.db }\nrules: [{ name: openai }]\n');
    const ok = await run('route', '--config', 'auth-on.yaml', '--model', 'gpt-4o', '--header', `authorization=Bearer ${created.secret}`, '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ rule: 'openai' });
    expect(ok.out).not.toContain(created.secret);
    const missing = await run('route', '--config', 'auth-on.yaml', '--model', 'gpt-4o', '--json');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.out).clientResponse).toMatchObject({ status: 401 });
    const after = JSON.parse((await run('keys', 'get', created.key.id, '--config', config, '--json')).out) as { key: { requestCount: number } };
    expect(after.key.requestCount).toBe(0);
  });
});
