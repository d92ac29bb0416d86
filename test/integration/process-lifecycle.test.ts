/**
 * The CLI as a process: starts on the embedded default and routes, hot-reloads its config file
 * (keeping the last good config on a broken one; applying its log level and shutdown settings),
 * drains an in-flight streaming request on SIGTERM and exits 0, and fails fast on a bad config.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { bodyMessage, chatHeaders, connect, headersMessage, mutationOf, RawStream } from '../support/raw-stream.js';
import { sampleSum } from '../support/prometheus.js';
import { NO_RULES_WARNING } from '../../src/config/config-warnings.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];
const dirs: string[] = [];

interface Started {
  child: ChildProcessWithoutNullStreams;
  grpc: string;
  adminPort: number;
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  /** Resolves with the first log line matching `pred`. */
  waitForLog(pred: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

function start(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--grpc-address', '127.0.0.1:0', '--admin-address', '127.0.0.1:0', ...args], {
    cwd: ROOT,
    env: { ...process.env, LLM_EXTPROC_CONFIG: '' },
  });
  children.push(child);
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{ pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }> = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    lines.push(line);
    for (const w of waiters.filter((w) => w.pred(line))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitForLog = (pred: (l: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const found = lines.find(pred);
      if (found) return resolve(found);
      waiters.push({ pred, resolve });
      void exited.then((code) => reject(new Error(`exited with ${code} before the expected log line; stderr: ${stderr}`)));
    });
  return waitForLog((l) => l['msg'] === 'llm-extproc serving').then((l) => ({
    child,
    grpc: String(l['grpc']),
    adminPort: Number(l['adminPort']),
    lines,
    exited,
    waitForLog,
  }));
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function routeOf(target: string, model: string): Promise<string | number | undefined> {
  const client = connect(target);
  try {
    const s = new RawStream(client);
    await s.roundTrip(headersMessage(chatHeaders()));
    const r = await s.roundTrip(bodyMessage(JSON.stringify({ model, messages: [] }), true));
    await s.close();
    return r.immediateResponse ? client.statusCode(r.immediateResponse.status?.code) : mutationOf(r).set['x-ai-eg-selected-route'];
  } finally {
    client.close();
  }
}

describe('llm-extproc process', () => {
  it('serves on the embedded default and routes gpt-4o-mini to openai; readiness and metrics on the admin port', async () => {
    const p = await start([]);
    expect(await routeOf(p.grpc, 'gpt-4o-mini')).toBe('openai');
    expect(await routeOf(p.grpc, 'claude-sonnet-4-5')).toBe('anthropic');
    expect(await routeOf(p.grpc, 'mistral-large')).toBe(404);
    expect((await fetch(`http://127.0.0.1:${p.adminPort}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${p.adminPort}/metrics`)).text();
    expect(sampleSum(metrics, 'llm_extproc_requests_total', { outcome: 'ok' }) + sampleSum(metrics, 'llm_extproc_requests_total', { outcome: 'model_not_found' })).toBeGreaterThan(0);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('hot-reloads the config file and keeps the last good config when the new one is broken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-extproc-reload-'));
    dirs.push(dir);
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'rules:\n  - name: first\n    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]\n');
    const p = await start(['--config', file]);
    expect(await routeOf(p.grpc, 'gpt-4o')).toBe('first');

    writeFileSync(file, 'rules:\n  - name: second\n    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]\n');
    await p.waitForLog((l) => l['msg'] === 'config reloaded' && l['generation'] === 2);
    expect(await routeOf(p.grpc, 'gpt-4o')).toBe('second');

    writeFileSync(file, 'rules:\n  - name: third\n    headers: [{ name: x-ai-eg-model, prefx: "gpt-" }]\n');
    const failed = await p.waitForLog((l) => String(l['msg']).startsWith('config reload failed; keeping the current config: '));
    expect(failed['msg']).toContain('rules[0].headers[0].prefx (line 3): unknown key: did you mean `prefix`?');
    expect(occurrences(JSON.stringify(failed), 'prefx')).toBe(1);
    expect(await routeOf(p.grpc, 'gpt-4o')).toBe('second');
    const metrics = await (await fetch(`http://127.0.0.1:${p.adminPort}/metrics`)).text();
    expect(sampleSum(metrics, 'llm_extproc_config_reloads_total', { outcome: 'failure' })).toBe(1);
    expect(sampleSum(metrics, 'llm_extproc_config_reloads_total', { outcome: 'success' })).toBe(2);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('a reload applies log.level to the running logger and to the loggers made from it before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-extproc-loglevel-'));
    dirs.push(dir);
    const file = join(dir, 'config.yaml');
    const config = (rule: string, level?: string) =>
      `${level ? `log: { level: ${level} }\n` : ''}rules:\n  - name: ${rule}\n    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]\n`;
    writeFileSync(file, config('first'));
    const p = await start(['--config', file]);
    expect(await routeOf(p.grpc, 'gpt-4o')).toBe('first');
    await p.waitForLog((l) => l['msg'] === 'request finished' && l['rule'] === 'first');

    writeFileSync(file, config('second', 'debug'));
    await p.waitForLog((l) => l['msg'] === 'config reloaded' && l['generation'] === 2);
    await p.waitForLog((l) => l['msg'] === 'log level changed' && l['from'] === 'info' && l['to'] === 'debug');
    // A debug line, shown only at the reloaded level: the file touched with the same content.
    writeFileSync(file, config('second', 'debug'));
    await p.waitForLog((l) => l['msg'] === 'config file touched, content unchanged; not reloading' && l['level'] === 'debug');

    writeFileSync(file, config('third', 'warn'));
    await p.waitForLog((l) => l['msg'] === 'log level changed' && l['from'] === 'debug' && l['to'] === 'warn');
    const quietFrom = p.lines.length;
    // Served, but its request line (info, from a child logger made at start) is no longer written.
    expect(await routeOf(p.grpc, 'gpt-4o')).toBe('third');
    // An error line marks the point by which anything the request logged would have been written.
    writeFileSync(file, 'log: { level: nope }\n');
    await p.waitForLog((l) => String(l['msg']).startsWith('config reload failed; keeping the current config: '));
    expect(p.lines.slice(quietFrom).map((l) => l['level'])).toEqual(['error']);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('keeps the level of --log-level over log.level across reloads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-extproc-loglevel-flag-'));
    dirs.push(dir);
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'log: { level: error }\nrules: [{ name: first }]\n');
    const p = await start(['--config', file, '--log-level', 'info']);
    writeFileSync(file, 'log: { level: error }\nrules: [{ name: second }]\n');
    await p.waitForLog((l) => l['msg'] === 'config reloaded' && l['generation'] === 2);
    expect(await routeOf(p.grpc, 'gpt-4o')).toBe('second');
    await p.waitForLog((l) => l['msg'] === 'request finished' && l['rule'] === 'second');
    expect(p.lines.some((l) => l['msg'] === 'log level changed')).toBe(false);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('on SIGTERM uses the shutdown settings of the config reloaded last', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-extproc-shutdown-reload-'));
    dirs.push(dir);
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'rules: [{ name: openai }]\n');
    const p = await start(['--config', file]);
    writeFileSync(file, 'shutdown: { preStopDelayMs: 300, drainTimeoutMs: 1500 }\nrules: [{ name: openai }]\n');
    await p.waitForLog((l) => l['msg'] === 'config reloaded' && l['generation'] === 2);
    p.child.kill('SIGTERM');
    const waiting = await p.waitForLog((l) => l['msg'] === 'readiness off; waiting for Envoy to stop sending');
    expect(waiting['preStopDelayMs']).toBe(300);
    const draining = await p.waitForLog((l) => l['msg'] === 'draining');
    expect(draining['drainMs']).toBe(1500);
    expect(Date.parse(String(draining['time'])) - Date.parse(String(waiting['time']))).toBeGreaterThanOrEqual(290);
    expect(await p.exited).toBe(0);
  });

  it('on SIGTERM fails readiness, refuses new streams, drains an in-flight streaming response to its end, then exits 0', async () => {
    const p = await start([]);
    const client = connect(p.grpc);
    const s = new RawStream(client);
    await s.roundTrip(headersMessage(chatHeaders()));
    await s.roundTrip(bodyMessage(JSON.stringify({ model: 'gpt-4o', messages: [], stream: true, stream_options: { include_usage: true } }), true));
    await s.roundTrip(headersMessage({ ':status': '200', 'content-type': 'text/event-stream' }, { phase: 'responseHeaders' }));
    await s.roundTrip(bodyMessage('data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n', false, 'responseBody'));

    p.child.kill('SIGTERM');
    await p.waitForLog((l) => l['msg'] === 'draining');
    expect((await fetch(`http://127.0.0.1:${p.adminPort}/readyz`)).status).toBe(503);
    const refused = new RawStream(client);
    refused.send(headersMessage(chatHeaders()));
    expect((await refused.ended).code).toBe(14); // UNAVAILABLE

    // The in-flight stream still gets every reply, through to its end.
    await s.roundTrip(bodyMessage('data: {"id":"c","choices":[{"index":0,"delta":{"content":"lo"}}]}\n\n', false, 'responseBody'));
    const last = await s.roundTrip(
      bodyMessage('data: {"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}\n\ndata: [DONE]\n\n', true, 'responseBody'),
    );
    expect(last.dynamicMetadata?.fields?.['io.envoy.ai_gateway']?.structValue?.fields?.['total_tokens']?.numberValue).toBe(5);
    const { status } = await s.close();
    expect(status.code).toBe(0);
    client.close();
    expect(await p.exited).toBe(0);
  });

  it('with a pre-stop delay, fails readiness first and drains only after the delay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-extproc-prestop-'));
    dirs.push(dir);
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'shutdown: { preStopDelayMs: 600, drainTimeoutMs: 1000 }\nrules: [{ name: openai }]\n');
    const p = await start(['--config', file]);
    p.child.kill('SIGTERM');
    const waiting = await p.waitForLog((l) => l['msg'] === 'readiness off; waiting for Envoy to stop sending');
    expect((await fetch(`http://127.0.0.1:${p.adminPort}/readyz`)).status).toBe(503);
    // Until Envoy's health checks move traffic away, new requests are still served.
    expect(await routeOf(p.grpc, 'gpt-4o')).toBe('openai');
    const draining = await p.waitForLog((l) => l['msg'] === 'draining');
    expect(Date.parse(String(draining['time'])) - Date.parse(String(waiting['time']))).toBeGreaterThanOrEqual(590);
    expect(await p.exited).toBe(0);
  });

  it('exits at once on a second signal, without waiting for the drain', async () => {
    const p = await start([]);
    const client = connect(p.grpc);
    const s = new RawStream(client);
    await s.roundTrip(headersMessage(chatHeaders()));
    p.child.kill('SIGTERM');
    await p.waitForLog((l) => l['msg'] === 'draining');
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(1); // the held stream would have kept a drain waiting for 30 s
    await p.waitForLog((l) => l['msg'] === 'second signal: exiting now');
    client.close();
  });

  it('fails fast with a clear message on a bad config, said once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-extproc-bad-'));
    dirs.push(dir);
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'router: { module: ./missing-router.js }\n');
    const { code, stdout, stderr } = await runToExit(['--config', file, '--grpc-address', '127.0.0.1:0', '--admin-address', '127.0.0.1:0']);
    expect(code).toBe(1);
    const fatal = fatalLine(stdout);
    expect(fatal['msg']).toMatch(/^startup failed: module "\.\/missing-router\.js": cannot be imported/);
    expect(occurrences(stdout + stderr, 'missing-router.js')).toBe(occurrences(String(fatal['msg']), 'missing-router.js'));
  });

  it('names the listener, the config key and the flag when a port is in use, with no grpc-js line', async () => {
    const busy = createNetServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as AddressInfo).port;
    try {
      const grpcBusy = await runToExit(['--grpc-address', `127.0.0.1:${port}`, '--admin-address', '127.0.0.1:0']);
      expect(grpcBusy.code).toBe(1);
      expect(fatalLine(grpcBusy.stdout)['msg']).toBe(
        `startup failed: gRPC (ext_proc) listener cannot bind 127.0.0.1:${port}: the address is already in use (another llm-extproc, or another program, is listening there). ` +
          'Change grpc.address in the config, or pass --grpc-address (env LLM_EXTPROC_GRPC_ADDRESS)',
      );
      expect(grpcBusy.stderr).toBe('');
      expect(occurrences(grpcBusy.stdout, 'already in use')).toBe(1);

      const adminBusy = await runToExit(['--grpc-address', '127.0.0.1:0', '--admin-address', `127.0.0.1:${port}`]);
      expect(adminBusy.code).toBe(1);
      expect(fatalLine(adminBusy.stdout)['msg']).toMatch(/^startup failed: admin HTTP listener cannot bind .*Change admin\.address in the config, or pass --admin-address/);
      expect(adminBusy.stderr).toBe('');
    } finally {
      busy.close();
    }
  });

  it('logs the address it actually bound (0.0.0.0 stays 0.0.0.0) and shows both in /debug/config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-extproc-bound-'));
    dirs.push(dir);
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'admin: { debug: true, address: "127.0.0.1:1" }\n');
    const p = await start(['--config', file, '--grpc-address', '0.0.0.0:0']);
    const serving = await p.waitForLog((l) => l['msg'] === 'llm-extproc serving');
    expect(serving['grpc']).toMatch(/^0\.0\.0\.0:[1-9]\d*$/);
    expect(serving['admin']).toBe(`127.0.0.1:${p.adminPort}`);
    const debug = (await (await fetch(`http://127.0.0.1:${p.adminPort}/debug/config`)).json()) as { listening: unknown; config: { admin: { address: string } } };
    expect(debug.listening).toEqual({ grpc: serving['grpc'], admin: serving['admin'] });
    expect(debug.config.admin.address).toBe('127.0.0.1:1'); // the file's value; the flag won
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('warns at startup that a config without rules routes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-extproc-norules-'));
    dirs.push(dir);
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'admin: { debug: true }\n');
    const p = await start(['--config', file]);
    const warning = await p.waitForLog((l) => l['path'] === 'rules');
    expect(warning).toMatchObject({ level: 'warn', msg: NO_RULES_WARNING });
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});

/** Runs the CLI to its exit; its stdout and stderr. */
async function runToExit(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: ROOT, env: { ...process.env, LLM_EXTPROC_CONFIG: '' } });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  return { code, stdout, stderr };
}

/** The one fatal log line of `stdout`. */
function fatalLine(stdout: string): Record<string, unknown> {
  const fatal = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l['level'] === 'fatal');
  expect(fatal).toHaveLength(1);
  return fatal[0]!;
}

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;
