/**
 * Hot reload under a writer that rewrites the config file in place — truncate, then write the
 * new text in several writes — while the service (the real process) routes traffic. The empty
 * file the truncation leaves must never be applied (it is a valid YAML document with zero
 * rules: every request would get 404), nor any partial text; the new config applies once the
 * file is whole.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { bodyMessage, chatHeaders, connect, headersMessage, mutationOf, RawStream } from '../support/raw-stream.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OLD = 'rules:\n  - name: openai\n    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]\n';
const NEW = `${OLD}  - name: anthropic\n    headers: [{ name: x-ai-eg-model, prefix: "claude-" }]\n`;

let child: ChildProcessWithoutNullStreams | undefined;
let dir: string | undefined;

afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

function startProcess(file: string): Promise<{ grpc: string; waitForLog: (pred: (l: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>> }> {
  const c = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--config', file, '--grpc-address', '127.0.0.1:0', '--admin-address', '127.0.0.1:0'], {
    cwd: ROOT,
    env: { ...process.env, LLM_EXTPROC_CONFIG: '' },
  });
  child = c;
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{ pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }> = [];
  createInterface({ input: c.stdout }).on('line', (text) => {
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
  const waitForLog = (pred: (l: Record<string, unknown>) => boolean, from = 0) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const found = lines.slice(from).find(pred);
      if (found) return resolve(found);
      waiters.push({ pred, resolve });
      c.once('exit', (code) => reject(new Error(`exited with ${code} before the expected log line`)));
    });
  return waitForLog((l) => l['msg'] === 'llm-extproc serving').then((l) => ({
    grpc: String(l['grpc']),
    // Only lines from now on: the reload lines of the rewrite, not of the start.
    waitForLog: (pred) => waitForLog(pred, lines.length),
  }));
}

async function routeOf(client: ReturnType<typeof connect>, model: string): Promise<string | number | undefined> {
  const s = new RawStream(client);
  await s.roundTrip(headersMessage(chatHeaders()));
  const r = await s.roundTrip(bodyMessage(JSON.stringify({ model, messages: [] }), true));
  await s.close();
  return r.immediateResponse ? client.statusCode(r.immediateResponse.status?.code) : mutationOf(r).set['x-ai-eg-selected-route'];
}

describe('config file rewritten in place while the service runs', () => {
  // A process start under tsx and a few reloads: more than the default 30 s on a loaded machine.
  it('never applies the empty or partial file; applies the new one once whole; no request gets 404 meanwhile', { timeout: 90_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'config-truncate-'));
    const file = join(dir, 'config.yaml');
    await writeFile(file, OLD);
    const p = await startProcess(file);
    const client = connect(p.grpc);
    const routes: Array<string | number | undefined> = [];
    let stop = false;
    const traffic = (async () => {
      while (!stop) routes.push(await routeOf(client, 'gpt-4o-mini'));
    })();
    try {
      // The writer truncates, and only writes once the service has reacted to the empty file.
      const failed = (l: Record<string, unknown>) => String(l['msg']).startsWith('config reload failed');
      const reacted = p.waitForLog((l) => failed(l) || l['msg'] === 'config reloaded');
      const fh = await open(file, 'w');
      const reaction = await reacted;
      expect(failed(reaction)).toBe(true);
      // Then writes the new text in pieces, the way a streaming writer does.
      const applied = p.waitForLog((l) => l['msg'] === 'config reloaded');
      for (let i = 0; i < NEW.length; i += 40) {
        await fh.write(NEW.slice(i, i + 40));
        await new Promise((r) => setTimeout(r, 30)); // a writer streaming its output
      }
      await fh.close();
      await applied;
      expect(await routeOf(client, 'claude-sonnet-4-5')).toBe('anthropic');
    } finally {
      stop = true;
      await traffic;
      client.close();
    }
    expect(routes.length).toBeGreaterThan(0);
    expect(routes.filter((r) => r !== 'openai')).toEqual([]);
  });
});
