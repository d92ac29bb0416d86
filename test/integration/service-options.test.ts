/**
 * Service options seen from outside: a Unix socket listen address, rejecting unknown paths,
 * passing unknown paths through, and credentials kept out of logs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { bodyMessage, chatHeaders, connect, headersMessage, mutationOf, RawStream } from '../support/raw-stream.js';
import { startService, type TestService } from '../support/service.js';

const services: TestService[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('service options', () => {
  it('serves ext_proc on a Unix socket (sidecar shape)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-extproc-uds-'));
    dirs.push(dir);
    const yaml = `grpc: { address: "unix:${join(dir, 'ext_proc.sock')}" }\nrules: [{ name: all }]\n`;
    // startService forces TCP port 0; load the config and bind the socket it names instead.
    const svc = await startService({ loaded: parseConfig(yaml, 'uds test'), grpcAddress: null });
    services.push(svc);
    expect(svc.target).toBe(`unix:${join(dir, 'ext_proc.sock')}`);
    const client = connect(svc.target);
    const s = new RawStream(client);
    await s.roundTrip(headersMessage(chatHeaders()));
    expect(mutationOf(await s.roundTrip(bodyMessage('{"model":"m"}', true))).set['x-ai-eg-selected-route']).toBe('all');
    await s.close();
    client.close();
  });

  it('passes unknown paths through untouched by default, and rejects them with 404 when configured', async () => {
    const pass = await startService({ yaml: 'rules: [{ name: all }]\n' });
    services.push(pass);
    const c1 = connect(pass.target);
    const s1 = new RawStream(c1);
    const r1 = await s1.roundTrip(headersMessage({ ':method': 'POST', ':path': '/internal/health', ':authority': 'x' }));
    expect(r1.response).toBe('requestHeaders');
    expect(mutationOf(r1)).toEqual({ set: {}, remove: [], clearRouteCache: false });
    await s1.close();
    c1.close();

    const reject = await startService({ yaml: 'apis: { unknownPaths: reject }\nrules: [{ name: all }]\n' });
    services.push(reject);
    const c2 = connect(reject.target);
    const s2 = new RawStream(c2);
    const r2 = await s2.roundTrip(headersMessage({ ':method': 'POST', ':path': '/internal/health?x=1', ':authority': 'x' }));
    expect(c2.statusCode(r2.immediateResponse?.status?.code)).toBe(404);
    expect(JSON.parse(Buffer.from(r2.immediateResponse!.body!).toString()).error.code).toBe('unknown_path');
    await s2.close();
    c2.close();
  });

  it('never writes client credentials into its logs', async () => {
    const svc = await startService({ yaml: 'rules: [{ name: all }]\n' });
    services.push(svc);
    const client = connect(svc.target);
    const secrets = ['sk-proj-SECRET-openai', 'sk-ant-SECRET-anthropic', 'AIza-SECRET-google', 'azure-SECRET'];
    const s = new RawStream(client);
    await s.roundTrip(
      headersMessage(
        chatHeaders({ authorization: `Bearer ${secrets[0]}`, 'x-api-key': secrets[1]!, 'x-goog-api-key': secrets[2]!, 'api-key': secrets[3]! }, `/v1/chat/completions?key=${secrets[2]}`),
      ),
    );
    await s.roundTrip(bodyMessage('{"model":"gpt-4o","messages":[]}', true));
    await s.roundTrip(headersMessage({ ':status': '401', 'content-type': 'application/json' }, { phase: 'responseHeaders' }));
    await s.roundTrip(bodyMessage('{"error":{"message":"bad key","type":"invalid_request_error"}}', true, 'responseBody'));
    await s.close();
    client.close();
    await expect.poll(() => svc.logs.some((l) => l['msg'] === 'request finished')).toBe(true);
    const text = svc.logText();
    for (const secret of secrets) expect(text).not.toContain(secret);
    const metrics = await svc.metricsText();
    for (const secret of secrets) expect(metrics).not.toContain(secret);
  });
});
