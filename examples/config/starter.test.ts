/**
 * examples/config/starter.yaml keeps the embedded default's rules and turns on the debug
 * endpoints, the admin API (token from a file) and the ledger; `check` finds nothing to say,
 * and the service serves it from a checkout laid out as the file's comments say.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile, loadEmbeddedDefault } from '../../src/config/load.js';
import { runCliIn } from '../../src/cli/test-cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STARTER = fileURLToPath(new URL('./starter.yaml', import.meta.url));
const TOKEN = 'starter-test-token-0123456789';

/** A checkout-like layout: examples/config/starter.yaml, examples/pricing.yaml, data/admin-token. */
const checkout = mkdtempSync(join(tmpdir(), 'llm-extproc-starter-'));
mkdirSync(join(checkout, 'examples', 'config'), { recursive: true });
cpSync(STARTER, join(checkout, 'examples', 'config', 'starter.yaml'));
cpSync(fileURLToPath(new URL('../pricing.yaml', import.meta.url)), join(checkout, 'examples', 'pricing.yaml'));
mkdirSync(join(checkout, 'data'));
writeFileSync(join(checkout, 'data', 'admin-token'), `${TOKEN}\n`);
const config = join(checkout, 'examples', 'config', 'starter.yaml');

afterAll(() => rmSync(checkout, { recursive: true, force: true }));

describe('examples/config/starter.yaml', () => {
  it('keeps the embedded default rules and costs, and turns on debug, the admin token from a file and the ledger', async () => {
    const starter = (await loadConfigFile(STARTER)).config;
    const embedded = loadEmbeddedDefault().config;
    expect(starter.rules).toEqual(embedded.rules);
    expect(starter.llmRequestCosts).toEqual(embedded.llmRequestCosts);
    expect(starter.admin.debug).toBe(true);
    expect(starter.admin.token).toEqual({ filename: '../../data/admin-token' });
    expect(starter.ledger.enabled).toBe(true);
    expect(starter.pricing.file).toBe('../pricing.yaml');
  });

  it('passes check without a warning', async () => {
    const r = await runCliIn(checkout, ['check', '--config', config]);
    expect(r).toMatchObject({ code: 0, err: '', out: `${config}: valid (3 rules)\n` });
  });

  it('serves: debug endpoints, the admin API behind the token, the dashboard told the API is on', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--config', config, '--grpc-address', '127.0.0.1:0', '--admin-address', '127.0.0.1:0'], {
      cwd: ROOT,
      env: { ...process.env, LLM_EXTPROC_CONFIG: '' },
    });
    try {
      const serving = await new Promise<Record<string, unknown>>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (text) => {
          const line = JSON.parse(text) as Record<string, unknown>;
          if (line['msg'] === 'llm-extproc serving') resolve(line);
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      const admin = `http://${String(serving['admin'])}`;
      const rules = (await (await fetch(`${admin}/debug/rules`)).json()) as { rules: Array<{ name: string }> };
      expect(rules.rules.map((r) => r.name)).toEqual(['openai', 'anthropic', 'gemini']);
      expect(await (await fetch(`${admin}/dashboard/status.json`)).json()).toEqual({ adminApi: 'on' });
      expect((await fetch(`${admin}/admin/usage/summary`)).status).toBe(401);
      const summary = await fetch(`${admin}/admin/usage/summary`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(summary.status).toBe(200);
      expect(await summary.json()).toMatchObject({ groups: expect.any(Array) });
      child.kill('SIGTERM');
      expect(await new Promise((r) => child.on('exit', r))).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
