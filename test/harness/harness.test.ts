import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProcessor, type FakeProcessor } from './fake-processor.js';
import { startHarness, type Harness } from './harness.js';
import { rawRequest } from './http-request.js';
import { startMockUpstream, type MockUpstream } from './mock-upstream.js';
import { chat, echoUpstream, post, startTwoUpstreams, type TwoUpstreams } from './test-helpers.js';

describe('BUFFERED request body, model routing processor', () => {
  let setup: TwoUpstreams;
  let fake: FakeProcessor;
  let upA: MockUpstream;
  let upB: MockUpstream;
  let harness: Harness;

  beforeAll(async () => {
    setup = await startTwoUpstreams({ routeHeader: 'x-route', metadataNamespace: 'io.test' }, { requestBody: 'BUFFERED', responseBody: 'NONE' });
    ({ fake, upA, upB, harness } = setup);
  });
  afterAll(() => setup.close());

  it('re-matches the route table after clear_route_cache with a header mutation', async () => {
    const { res, exchange } = await post(harness, chat('model-b'));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text())).toEqual({ upstream: 'b', model: 'model-b' });
    expect(exchange.route).toBe('b');
    expect(exchange.upstreamRequest?.headers).toContainEqual(['x-route', 'model-b']);
    expect(exchange.dynamicMetadata).toEqual({ 'io.test': { model: 'model-b' } });
    expect(exchange.phasesSent()).toEqual(['requestHeaders', 'requestBody', 'responseHeaders']);
    expect(exchange.violations).toEqual([]);

    // Envoy's wire habits: protocol_config on the first message only, raw_value bytes, pseudo-headers.
    const [first, second] = exchange.sent;
    expect(first?.protocolConfig).toEqual({ requestBodyMode: 'BUFFERED', responseBodyMode: 'NONE' });
    expect(second?.protocolConfig).toBeUndefined();
    const sentHeaders = first?.requestHeaders?.headers?.headers ?? [];
    expect(sentHeaders.every((h) => h.value === undefined && Buffer.isBuffer(h.rawValue))).toBe(true);
    const seen = fake.streams.at(-1)!;
    expect(seen.requestHeaders.map(([n]) => n)).toEqual(
      expect.arrayContaining([':method', ':path', ':authority', ':scheme', 'content-type', 'x-request-id']),
    );
    expect(seen.messages[0]?.requestHeaders?.endOfStream).toBeFalsy();
    expect(seen.messages[1]?.requestBody?.endOfStream).toBe(true);
  });

  it('keeps the first route when the processor changes headers without clear_route_cache', async () => {
    const { res, exchange } = await post(harness, chat('model-b'), { 'x-fake': 'no-clear' });
    expect(JSON.parse(res.text())).toEqual({ upstream: 'a', model: 'model-b' });
    expect(exchange.upstreamRequest?.headers).toContainEqual(['x-route', 'model-b']);
  });

  it('ends the request with an immediate_response, without calling the upstream', async () => {
    const before = upA.requests.length + upB.requests.length;
    const { res, exchange } = await post(harness, chat('model-b'), { 'x-fake': 'immediate' });
    expect(res.status).toBe(429);
    expect(res.text()).toBe('{"error":"slow down"}');
    expect(res.headers['x-fake-immediate']).toBe('yes');
    expect(upA.requests.length + upB.requests.length).toBe(before);
    expect(exchange.phasesSent()).toEqual(['requestHeaders']);
    expect(exchange.localReply).toMatch(/immediate_response 429/);
    expect(exchange.violations).toEqual([]);
  });

  it('passes a replaced body upstream with the content-length the processor set', async () => {
    const { res, exchange } = await post(harness, chat('model-b'), { 'x-fake': 'replace-body' });
    expect(JSON.parse(res.text())).toEqual({ upstream: 'b', model: 'model-b-replaced' });
    const received = upB.requests.at(-1)!;
    expect(received.headers['content-length']).toBe(String(received.body.length));
    expect(exchange.violations).toEqual([]);
  });

  it('fails with 500 and a violation when a replaced body keeps a stale content-length', async () => {
    const { res, exchange } = await post(harness, chat('model-b'), { 'x-fake': 'bad-length' });
    expect(res.status).toBe(500);
    expect(exchange.violations).toEqual([expect.stringMatching(/body replaced with \d+ bytes but content-length is \d+/)]);
    expect(exchange.upstreamRequest).toBeUndefined();
  });

  it('records two replies to one message as a violation and fails the request', async () => {
    const { res, exchange } = await post(harness, chat('model-b'), { 'x-fake': 'double-reply' });
    expect(res.status).toBe(500);
    expect(exchange.violations[0]).toMatch(/expected requestBody in reply to requestBody, got requestHeaders/);
    expect(harness.violations).toContainEqual({ exchange: exchange.id, message: exchange.violations[0] });
  });

  it('records a reply of the wrong kind as a violation and fails the request', async () => {
    const { res, exchange } = await post(harness, chat('model-b'), { 'x-fake': 'wrong-kind' });
    expect(res.status).toBe(500);
    expect(exchange.violations).toEqual([
      expect.stringMatching(/expected requestHeaders in reply to requestHeaders, got responseHeaders/),
    ]);
  });

  it('answers 500 on a gRPC error from the processor (failure_mode_allow off)', async () => {
    const { res, exchange } = await post(harness, chat('model-b'), { 'x-fake': 'grpc-error' });
    expect(res.status).toBe(500);
    expect(exchange.grpcStatus?.code).toBe(13);
    expect(exchange.violations).toEqual([]);
  });

  it('runs concurrent requests on their own streams', async () => {
    const streamsBefore = fake.streams.length;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => post(harness, chat(i % 2 ? 'model-b' : 'model-a'), { 'x-harness-id': `c-${i}` })),
    );
    for (const [i, { res, exchange }] of results.entries()) {
      expect(exchange.id).toBe(`c-${i}`);
      expect(JSON.parse(res.text())).toEqual({ upstream: i % 2 ? 'b' : 'a', model: i % 2 ? 'model-b' : 'model-a' });
      expect(exchange.violations).toEqual([]);
    }
    expect(fake.streams.length - streamsBefore).toBe(8);
  });
});

describe('route table edges and buffer limit', () => {
  let fake: FakeProcessor;
  let up: MockUpstream;
  let harness: Harness;
  let deadUrl: string;

  beforeAll(async () => {
    fake = await startFakeProcessor();
    up = await startMockUpstream({ handler: echoUpstream('up') });
    const dead = http.createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    harness = await startHarness({
      processorAddress: fake.address,
      mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
      bufferLimitBytes: 200,
      messageTimeoutMs: 300,
      routes: [
        { header: 'x-target', value: 'up', upstream: 'up' },
        { header: 'x-target', value: 'dead', upstream: 'dead' },
      ],
      upstreams: { up, dead: { url: deadUrl } },
    });
  });
  afterAll(async () => {
    await harness.close();
    await Promise.all([fake.close(), up.close()]);
  });

  it('answers 404 {"error":"no route"} through the response path when nothing matches', async () => {
    const { res, exchange } = await post(harness, chat('m'));
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text())).toEqual({ error: 'no route' });
    expect(exchange.route).toBeNull();
    expect(exchange.phasesSent()).toEqual(['requestHeaders', 'requestBody', 'responseHeaders', 'responseBody']);
  });

  it('answers 413 when a BUFFERED request body is over the buffer limit', async () => {
    const { res, exchange } = await post(harness, { model: 'm', pad: 'x'.repeat(300) }, { 'x-target': 'up' });
    expect(res.status).toBe(413);
    expect(exchange.phasesSent()).toEqual(['requestHeaders']);
    expect(exchange.upstreamRequest).toBeUndefined();
  });

  it('answers 504 and records a violation when the processor does not reply in time', async () => {
    const { res, exchange } = await post(harness, chat('m'), { 'x-target': 'up', 'x-fake': 'silent' });
    expect(res.status).toBe(504);
    expect(exchange.violations).toEqual(['no reply to requestHeaders within 300 ms']);
  });

  it('records a processor that never finishes its stream after the half-close', async () => {
    const { res, exchange } = await post(harness, chat('m'), { 'x-target': 'up', 'x-fake': 'no-finish' });
    expect(res.status).toBe(200);
    expect(exchange.violations).toEqual(['processor did not finish the stream after the half-close']);
  });

  it('answers 503 when the upstream cannot be reached', async () => {
    const { res, exchange } = await post(harness, chat('m'), { 'x-target': 'dead' });
    expect(res.status).toBe(503);
    expect(res.text()).toMatch(/upstream connect error/);
    expect(exchange.violations).toEqual([]);
  });
});

describe('failure_mode_allow', () => {
  let fake: FakeProcessor;
  let up: MockUpstream;
  let harness: Harness;

  beforeAll(async () => {
    fake = await startFakeProcessor();
    up = await startMockUpstream({ handler: echoUpstream('up') });
    harness = await startHarness({
      processorAddress: fake.address,
      mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
      failureModeAllow: true,
      routes: [],
      defaultUpstream: 'up',
      upstreams: { up },
    });
  });
  afterAll(async () => {
    await harness.close();
    await Promise.all([fake.close(), up.close()]);
  });

  it('continues untouched after a gRPC error', async () => {
    const { res, exchange } = await post(harness, chat('m'), { 'x-fake': 'grpc-error' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text())).toEqual({ upstream: 'up', model: 'm' });
    expect(exchange.phasesSent()).toEqual(['requestHeaders']);
    expect(exchange.grpcStatus?.code).toBe(13);
  });

  it('continues untouched after a protocol error, still recording the violation', async () => {
    const { res, exchange } = await post(harness, chat('m'), { 'x-fake': 'wrong-kind' });
    expect(res.status).toBe(200);
    expect(exchange.violations).toHaveLength(1);
  });
});

describe('observability mode', () => {
  let fake: FakeProcessor;
  let up: MockUpstream;
  let harness: Harness;
  let release: () => void = () => undefined;

  beforeAll(async () => {
    let gate = Promise.resolve();
    fake = await startFakeProcessor({
      respond: async (message) => {
        if (message.requestHeaders) await gate;
        return undefined;
      },
    });
    up = await startMockUpstream({ handler: echoUpstream('up') });
    harness = await startHarness({
      processorAddress: fake.address,
      mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
      observabilityMode: true,
      routes: [],
      defaultUpstream: 'up',
      upstreams: { up },
    });
    gate = new Promise<void>((resolve) => (release = resolve));
  });
  afterAll(async () => {
    release();
    await harness.close();
    await Promise.all([fake.close(), up.close()]);
  });

  it('sends every phase and answers the client without waiting for the processor', async () => {
    const text = JSON.stringify(chat('m'));
    // The processor is stuck on its first message; the client is answered all the same.
    const res = await rawRequest(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(text.length), 'x-harness-id': 'obs-1' },
      chunks: [text],
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text())).toEqual({ upstream: 'up', model: 'm' });
    const exchange = harness.exchange('obs-1')!;
    release();
    await exchange.finished;
    const seen = fake.streams.at(-1)!.messages;
    expect(seen.map((m) => m.request)).toEqual(['requestHeaders', 'requestBody', 'responseHeaders', 'responseBody']);
    expect(seen.every((m) => m.observabilityMode === true)).toBe(true);
    expect(seen[0]?.protocolConfig?.requestBodyMode).toBe('BUFFERED');
    expect(exchange.received).toEqual([]);
    expect(exchange.violations).toEqual([]);
  });

  it('records replies sent in observability mode as violations', async () => {
    const { res, exchange } = await post(harness, chat('m'), { 'x-fake': 'reply-anyway' });
    expect(res.status).toBe(200);
    expect(exchange.violations.length).toBeGreaterThan(0);
    expect(exchange.violations.every((v) => /in observability mode/.test(v))).toBe(true);
  });
});
