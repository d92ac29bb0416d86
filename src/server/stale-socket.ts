/**
 * A Unix socket file left by a previous run (a restarted sidecar sharing an emptyDir) makes the
 * next bind fail with EADDRINUSE. Remove it — only when it is a socket nobody accepts on.
 */
import { lstat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';

function isListening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Unlinks `path` when it is a stale socket. Throws when it is another kind of file (we never
 * delete what we did not create) or a live socket (another process is serving there).
 */
export async function removeStaleSocket(path: string): Promise<void> {
  let info;
  try {
    info = await lstat(path);
  } catch {
    return; // nothing there
  }
  if (!info.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  if (await isListening(path)) throw new Error(`${path} is in use by another process`);
  await unlink(path);
}
