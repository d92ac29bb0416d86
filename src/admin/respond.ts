/**
 * What every handler on the admin port shares: the handler type and the JSON reply.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A route handler on the admin port. */
export type AdminHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

/** Writes a small JSON reply. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
