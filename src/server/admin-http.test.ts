import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { pino } from 'pino';
import { closeServer, listenOnLoopback } from '../../test/support/listen.js';
import { sendJson, type AdminHandler } from '../admin/respond.js';
import { createAdminServer } from './admin-http.js';

let server: Server;
let base: string;
let ready = false;
let metricsCalls = 0;
const logLines: string[] = [];

const routes = new Map<string, AdminHandler>([
  ['/debug/echo', (_req, res, url) => sendJson(res, 200, { q: url.searchParams.get('q') })],
  [
    '/debug/throws',
    async () => {
      throw new Error('handler broke');
    },
  ],
]);

beforeAll(async () => {
  server = createAdminServer({
    ready: () => ready,
    metrics: (_req, res) => {
      metricsCalls += 1;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end('# HELP up 1\nup 1\n');
    },
    routes,
    logger: pino({ level: 'error' }, { write: (l: string) => void logLines.push(l) }),
  });
  base = await listenOnLoopback(server);
});

afterAll(() => closeServer(server));

describe('admin HTTP server', () => {
  it('/healthz is always 200', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz follows ready()', async () => {
    ready = false;
    let res = await fetch(`${base}/readyz`);
    expect([res.status, await res.json()]).toEqual([503, { status: 'not ready' }]);
    ready = true;
    res = await fetch(`${base}/readyz`);
    expect([res.status, await res.json()]).toEqual([200, { status: 'ready' }]);
    ready = false;
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
  });

  it('/metrics calls the metrics handler', async () => {
    const before = metricsCalls;
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('# HELP up 1\nup 1\n');
    expect(metricsCalls).toBe(before + 1);
  });

  it('serves extra routes with the parsed URL, ignoring the query for matching', async () => {
    const res = await fetch(`${base}/debug/echo?q=hello`);
    expect(await res.json()).toEqual({ q: 'hello' });
  });

  it('answers 404 for unknown paths', async () => {
    for (const path of ['/', '/nope', '/healthz/extra', '/debug']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'not_found', message: expect.stringMatching(/^nothing is served at \//) } });
    }
  });

  it('answers 405 with Allow for methods other than GET and HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await fetch(`${base}/healthz`, { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      expect(await res.json()).toEqual({ error: { code: 'method_not_allowed', message: expect.stringMatching(/ is not allowed on \//) } });
    }
  });

  it('answers HEAD without a body', async () => {
    const res = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('turns a failing handler into a 500 and logs it', async () => {
    const res = await fetch(`${base}/debug/throws`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'internal_error', message: 'internal error' } });
    expect(logLines.some((l) => l.includes('admin request failed') && l.includes('handler broke'))).toBe(true);
  });

  it('answers 400 to a request target that is not a URL, and keeps serving', async () => {
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET http://a:b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    await once(socket, 'end');
    expect(text.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(text).toContain('{"error":{"code":"bad_request_target","message":"the request target is not a path"}}');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
