/**
 * What every handler on the admin port shares: the handler type, the JSON reply, and the one
 * error shape of the admin port.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminError } from '../error-catalogue.js';

/** A route handler on the admin port. */
export type AdminHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

/** Writes a small JSON reply. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Writes a catalogued admin error: its status and `{"error": {"code", "message"}}`. */
export function sendAdminError(res: ServerResponse, error: AdminError): void {
  sendJson(res, error.status, error.body);
}
