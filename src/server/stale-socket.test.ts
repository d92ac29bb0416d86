import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleSocket } from './stale-socket.js';

const dirs: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'stale-sock-'));
  dirs.push(d);
  return d;
};
const listen = (path: string) =>
  new Promise<Server>((resolve) => {
    const s = createServer();
    servers.push(s);
    s.listen(path, () => resolve(s));
  });

describe('removeStaleSocket', () => {
  it('does nothing when the path is free', async () => {
    await expect(removeStaleSocket(join(dir(), 'none.sock'))).resolves.toBeUndefined();
  });

  it('removes a socket file left by a killed process', async () => {
    const path = join(dir(), 'stale.sock');
    // A process that dies without cleaning up leaves the socket file behind.
    const child = spawn(process.execPath, ['-e', "require('net').createServer().listen(process.argv[1], () => process.stdout.write('up'))", path]);
    await once(child.stdout, 'data');
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(existsSync(path)).toBe(true);
    await removeStaleSocket(path);
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a live socket and a regular file', async () => {
    const d = dir();
    const live = join(d, 'live.sock');
    await listen(live);
    await expect(removeStaleSocket(live)).rejects.toThrow(/in use/);
    const file = join(d, 'file.sock');
    writeFileSync(file, 'x');
    await expect(removeStaleSocket(file)).rejects.toThrow(/not a socket/);
    expect(existsSync(file)).toBe(true);
  });
});
