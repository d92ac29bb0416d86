import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService } from '../../test/support/service.js';
import { loadConfigFile } from '../config/load.js';
import { adminBaseUrl, runCache } from './cache-commands.js';
import type { CliIo } from './io.js';
import type { ServeEnv } from './serve.js';

let dir: string;
let file: string;
let svc: TestService;
const env: ServeEnv = { config: undefined, grpcAddress: undefined, adminAddress: undefined, logLevel: undefined, otlp: { metricsExporter: undefined }, readEnv: (n) => (n === 'ADMIN_TOKEN' ? 'cli-cache-token-1234' : undefined) };

function io(): CliIo & { stdout: string; stderr: string } {
  const o = { stdout: '', stderr: '', cwd: dir, out: (t: string) => void (o.stdout += t), err: (t: string) => void (o.stderr += t) };
  return o;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cache-cli-'));
  file = join(dir, 'config.yaml');
  await writeFile(
    file,
    `admin: { token: { env: ADMIN_TOKEN } }
cache: { enabled: true }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai }]
`,
  );
  svc = await startService({ loaded: await loadConfigFile(file), cwd: dir, readEnv: env.readEnv! });
});

afterAll(async () => {
  await svc?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('llm-extproc cache', () => {
  it('prints the store and its size, and purges through the admin API', async () => {
    const stats = io();
    expect(await runCache({ config: file, 'admin-url': svc.adminUrl }, stats, env, ['stats'])).toBe(0);
    expect(stats.stdout).toBe('store memory: 0 entries, 0 bytes\n');
    const json = io();
    expect(await runCache({ config: file, 'admin-url': svc.adminUrl, json: true }, json, env, ['stats'])).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ store: 'memory', entries: 0, bytes: 0 });
    const purge = io();
    expect(await runCache({ config: file, 'admin-url': svc.adminUrl, project: 'team-a', model: 'gpt-4o' }, purge, env, ['purge'])).toBe(0);
    expect(purge.stdout).toBe('purged 0 entries\n');
  });

  it('says why it fails: a wrong token, an unreachable port, a bad subcommand', async () => {
    const wrong = io();
    expect(await runCache({ config: file, 'admin-url': svc.adminUrl }, wrong, { ...env, readEnv: () => 'not-the-token' }, ['stats'])).toBe(1);
    expect(wrong.stderr).toMatch(/^401: /);
    const down = io();
    expect(await runCache({ config: file, 'admin-url': 'http://127.0.0.1:1' }, down, env, ['stats'])).toBe(1);
    expect(down.stderr).toContain('cannot reach the admin API');
    await expect(runCache({ config: file }, io(), env, ['flush'])).rejects.toThrow(/stats, purge/);
    await expect(runCache({ config: file, model: 'x' }, io(), env, ['stats'])).rejects.toThrow(/takes no/);
  });

  it('finds the service where serve is told to listen, and says when its cache is off', async () => {
    const off = await startService({ yaml: 'admin: { token: { env: ADMIN_TOKEN } }\nrules: [{ name: openai, backends: [{ name: openai }] }]\n', cwd: dir, readEnv: env.readEnv! });
    try {
      const out = io();
      const at = { ...env, adminAddress: off.adminUrl.replace('http://', '') };
      expect(await runCache({ config: file }, out, at, ['stats'])).toBe(0);
      expect(out.stdout).toBe('the response cache is off on this service (no rule caches responses)\n');
      const purge = io();
      expect(await runCache({ config: file, json: true }, purge, at, ['purge'])).toBe(0);
      expect(JSON.parse(purge.stdout)).toEqual({ off: true, purged: 0 });
    } finally {
      await off.stop();
    }
  });

  it('finds the admin port from admin.address', () => {
    expect(adminBaseUrl('0.0.0.0:9464')).toBe('http://127.0.0.1:9464');
    expect(adminBaseUrl('[::1]:9000')).toBe('http://[::1]:9000');
  });
});
