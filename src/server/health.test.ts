import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { loadServiceDefinitions } from '../envoy/protos.js';
import { HEALTH_SERVICES, HealthService } from './health.js';

type Status = { status: string };
interface HealthClient extends grpc.Client {
  Check(req: { service: string }, cb: (err: grpc.ServiceError | null, res?: Status) => void): void;
  Watch(req: { service: string }): grpc.ClientReadableStream<Status>;
}

const definitions = loadServiceDefinitions();
let server: grpc.Server;
let health: HealthService;
let client: HealthClient;

beforeAll(async () => {
  health = new HealthService();
  server = new grpc.Server();
  server.addService(definitions.health, health.handlers());
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const Client = grpc.makeClientConstructor(definitions.health, 'Health') as unknown as new (address: string, creds: grpc.ChannelCredentials) => HealthClient;
  client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(() => {
  client.close();
  server.forceShutdown();
});

function check(service: string): Promise<Status> {
  return new Promise((resolve, reject) => client.Check({ service }, (err, res) => (err ? reject(err) : resolve(res!))));
}

/** Reads a Watch stream message by message. */
function watch(service: string) {
  const call = client.Watch({ service });
  const queue: Status[] = [];
  const waiters: Array<(s: Status) => void> = [];
  call.on('data', (s: Status) => (waiters.length ? waiters.shift()!(s) : queue.push(s)));
  call.on('error', () => undefined); // cancelled at the end of the test
  const ended = new Promise<void>((resolve) => call.on('end', () => resolve()));
  return {
    call,
    ended,
    next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise<Status>((resolve) => waiters.push(resolve))),
  };
}

describe('HealthService over gRPC', () => {
  it('answers for "" and for the ext_proc service, following setServing', async () => {
    expect(HEALTH_SERVICES).toEqual(['', 'envoy.service.ext_proc.v3.ExternalProcessor']);
    health.setServing(false);
    expect(await check('')).toEqual({ status: 'NOT_SERVING' });
    health.setServing(true);
    expect(await check('')).toEqual({ status: 'SERVING' });
    expect(await check('envoy.service.ext_proc.v3.ExternalProcessor')).toEqual({ status: 'SERVING' });
  });

  it('answers NOT_FOUND for an unknown service', async () => {
    const err = (await check('some.other.Service').catch((e: unknown) => e)) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(err.details).toBe('unknown service some.other.Service');
  });

  it('Watch sends the current status, then every change (NOT_SERVING after setServing(false))', async () => {
    health.setServing(true);
    const w = watch('envoy.service.ext_proc.v3.ExternalProcessor');
    expect(await w.next()).toEqual({ status: 'SERVING' });
    health.setServing(false);
    expect(await w.next()).toEqual({ status: 'NOT_SERVING' });
    health.setServing(false); // no change, no message
    health.setServing(true);
    expect(await w.next()).toEqual({ status: 'SERVING' });
    w.call.cancel();
  });

  it('Watch for an unknown service sends SERVICE_UNKNOWN and keeps the stream open', async () => {
    const w = watch('some.other.Service');
    expect(await w.next()).toEqual({ status: 'SERVICE_UNKNOWN' });
    w.call.cancel();
  });

  it('close() ends every Watch stream', async () => {
    const a = watch('');
    const b = watch('envoy.service.ext_proc.v3.ExternalProcessor');
    await a.next();
    await b.next();
    health.close();
    await Promise.all([a.ended, b.ended]);
  });

  it('forgets a cancelled watcher (no write to a dead stream)', async () => {
    const w = watch('');
    await w.next();
    w.call.cancel();
    // Another watcher sees the next change; the cancelled one must not break the broadcast.
    const alive = watch('');
    const first = await alive.next();
    health.setServing(first.status !== 'SERVING');
    expect((await alive.next()).status).toBe(first.status === 'SERVING' ? 'NOT_SERVING' : 'SERVING');
    alive.call.cancel();
  });
});
