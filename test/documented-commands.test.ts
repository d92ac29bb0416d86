/**
 * Every command README.md and docs/ show works as written, run in order in a copy of the
 * checkout (the files git tracks or would track, `node_modules` linked): README first — which
 * builds and starts the service — then each page of docs/.
 *
 * - A command whose trailing comment says `needs Envoy`, `needs Docker` or `needs Kubernetes` is
 *   not run; one that runs Envoy, Docker or kubectl, or talks to Envoy's listener (:8080), must
 *   say so.
 * - `npm ci` has been done (the copy shares `node_modules`); `npm test` is what runs this test.
 * - Serving commands (`npm start`, `llm-extproc [serve] …`) start the service in the background
 *   and replace the one running; it binds port 0 (LLM_EXTPROC_*_ADDRESS), and `localhost:9464`
 *   in later commands is the admin port it bound. A page of docs/ that starts none talks to the
 *   service running on `config.yaml` — "your config", here the starter config
 *   (examples/config/starter.yaml) with its paths made relative to the checkout.
 * - curl fails on an HTTP error (`--fail-with-body`), pipelines fail when any part does; a
 *   command exits 0, or 1 when its comment says `exits 1`. A transcript line (`$ command` in a
 *   plain block) must print exactly the output shown after it.
 * - `llm-extproc` is the checkout's build (`dist/main.js`), as `npx llm-extproc` is.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedCommands, impliedNeeds, type DocCommand } from './docs-commands/extract.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const COMMAND_TIMEOUT_MS = 90_000;

let ws: string;
let env: NodeJS.ProcessEnv;
/** Shell variables set by documented assignments (`TOKEN=$(cat data/admin-token)`). */
const vars: Record<string, string> = {};

interface Running {
  readonly child: ChildProcess;
  readonly command: string;
  readonly admin: string;
  readonly exited: Promise<void>;
}
let server: Running | undefined;

beforeAll(() => {
  ws = mkdtempSync(path.join(tmpdir(), 'llm-extproc-docs-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(path.join(ROOT, f))) continue; // deleted in the working tree
    mkdirSync(path.dirname(path.join(ws, f)), { recursive: true });
    cpSync(path.join(ROOT, f), path.join(ws, f));
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(ws, 'node_modules'));
  const bin = path.join(ws, '.docs-bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'llm-extproc'), `#!/bin/sh\nexec node "${path.join(ws, 'dist', 'main.js')}" "$@"\n`);
  chmodSync(path.join(bin, 'llm-extproc'), 0o755);
  const curlHome = path.join(ws, '.docs-curl');
  mkdirSync(curlHome);
  writeFileSync(path.join(curlHome, '.curlrc'), 'fail-with-body\n');
  // "Your config": the starter config, its paths relative to the checkout root.
  const starter = readFileSync(path.join(ROOT, 'examples', 'config', 'starter.yaml'), 'utf8');
  writeFileSync(path.join(ws, 'config.yaml'), starter.replaceAll('../../data/', './data/').replace('file: ../pricing.yaml', 'file: ./examples/pricing.yaml'));
  const { LLM_EXTPROC_CONFIG: _ignored, ...inherited } = process.env;
  env = {
    ...inherited,
    PATH: `${bin}${path.delimiter}${process.env['PATH'] ?? ''}`,
    CURL_HOME: curlHome,
    LLM_EXTPROC_GRPC_ADDRESS: '127.0.0.1:0',
    LLM_EXTPROC_ADMIN_ADDRESS: '127.0.0.1:0',
  };
});

afterAll(async () => {
  await stopServer();
  if (ws) rmSync(ws, { recursive: true, force: true });
});

/** The command without the `npm ci && ` the copy has already done. */
const withoutInstall = (text: string) => text.replace(/^npm ci && /, '');

/** Whether a command serves (runs until stopped). */
function isServe(text: string): boolean {
  const words = withoutInstall(text).replace(/\s+#.*$/, '').split(/\s+/);
  if (words[0] === 'npm') return words[1] === 'start';
  const at = words[0] === 'npx' ? 1 : 0;
  if (words[at] !== 'llm-extproc') return false;
  const sub = words[at + 1];
  return sub === undefined || sub === 'serve' || sub.startsWith('-');
}

/** `localhost:9464` and `127.0.0.1:9464` as the admin address the running service bound. */
function withAdminPort(text: string): string {
  return server ? text.replace(/\b(?:localhost|127\.0\.0\.1):9464\b/g, server.admin) : text;
}

async function stopServer(): Promise<void> {
  const s = server;
  server = undefined;
  if (!s) return;
  try {
    process.kill(-s.child.pid!, 'SIGTERM');
  } catch {
    return;
  }
  await s.exited;
}

async function startServer(command: string): Promise<void> {
  await stopServer();
  const child = spawn('bash', ['-c', `exec ${withoutInstall(command)}`], { cwd: ws, env: { ...env, ...vars }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const admin = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry['msg'] === 'llm-extproc serving') resolve(String(entry['admin']));
    });
    void exited.then(() => reject(new Error(`"${command}" exited before serving: ${stderr}`)));
  });
  server = { child, command, admin, exited };
}

/** The variable a command only assigns (`TOKEN=$(cat data/admin-token)`), else undefined. */
function assignedVariable(text: string): string | undefined {
  return /^([A-Z_][A-Z0-9_]*)=(?:\$\(.*\)|"[^"]*"|'[^']*'|[^\s#]+)\s*(?:#.*)?$/.exec(text)?.[1];
}

/** Runs one command in the copy; its exit code and output. */
function run(text: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-o', 'pipefail', '-c', withAdminPort(text)], { cwd: ws, env: { ...env, ...vars }, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function runDocumented(c: DocCommand, file: string): Promise<void> {
  if (c.needs !== undefined) return;
  const text = withoutInstall(c.text);
  if (text === 'npm ci' || /^npm test\b/.test(text)) return;
  if (isServe(text)) return startServer(text);
  if (file !== 'README.md' && server === undefined) await startServer('node dist/main.js --config config.yaml');
  const assignment = assignedVariable(text);
  if (assignment) {
    const r = await run(`${text}\nprintf '%s' "$${assignment}"`);
    expect(r.code, `${c.where}: ${c.text}\n${r.stderr}`).toBe(0);
    vars[assignment] = r.stdout;
    return;
  }
  const r = await run(text);
  expect(c.exitCodes, `${c.where}: ${c.text}\nexit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toContain(r.code);
  if (c.output !== undefined) expect(`${r.stdout}${r.stderr}`.trimEnd(), `${c.where}: ${c.text}`).toBe(c.output);
}

const pages = documentedCommands(ROOT);

describe('documented commands', () => {
  it('are found in the README and the docs', () => {
    const all = pages.flatMap((p) => p.commands);
    expect(all.length).toBeGreaterThan(40);
    expect(all.map((c) => c.text)).toContain('npx llm-extproc check --config examples/config/premium.yaml');
  });

  it('say what they need when they need Envoy, Docker or Kubernetes', () => {
    const unmarked = pages.flatMap((p) => p.commands).filter((c) => impliedNeeds(c.text) !== undefined && c.needs === undefined);
    expect(unmarked.map((c) => `${c.where}: ${c.text}`)).toEqual([]);
  });
});

for (const page of pages.filter((p) => p.commands.length > 0)) {
  describe(page.file, () => {
    beforeAll(async () => {
      // Each page of docs/ starts from the service running on your config.
      if (page.file !== 'README.md') await stopServer();
    }, COMMAND_TIMEOUT_MS);
    for (const c of page.commands) {
      it(`${c.where}: ${c.text}`, () => runDocumented(c, page.file), COMMAND_TIMEOUT_MS);
    }
  });
}
