/**
 * A TCP proxy for tests that can "kill" the server behind it: `kill()` cuts every open
 * connection and refuses new ones (as a crashed or unreachable database looks to its clients),
 * `revive()` forwards again. Listens on 127.0.0.1, port 0.
 */
import { createConnection, createServer, type Socket } from 'node:net';

/** A running proxy. */
export interface TcpProxy {
  readonly port: number;
  /** Connections accepted while alive. */
  readonly accepted: number;
  /** Cuts every connection now and refuses new ones until {@link revive}. */
  kill(): void;
  revive(): void;
  close(): Promise<void>;
}

/** Starts a proxy to `host:port`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let alive = true;
  let accepted = 0;
  const server = createServer((client) => {
    if (!alive) return void client.destroy();
    accepted++;
    const upstream = createConnection(target);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
  return {
    port: address.port,
    get accepted() {
      return accepted;
    },
    kill() {
      alive = false;
      for (const s of open) s.destroy();
    },
    revive() {
      alive = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
