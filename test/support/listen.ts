/**
 * Test helpers for HTTP servers under test: listen on an ephemeral loopback port, and close.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on port 0 of 127.0.0.1 and resolves with the server's base URL once it is listening. */
export async function listenOnLoopback(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes the server and resolves once it has closed. */
export async function closeServer(server: Server): Promise<void> {
  server.close();
  await once(server, 'close');
}
