/**
 * The ext_proc stream protocol, message by message against the real server: one reply per
 * message in order, none in observability mode, every body mode, limits, cancellation.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService } from '../support/service.js';
import { bodyMessage, chatHeaders, connect, headersMessage, mutationOf, RawStream } from '../support/raw-stream.js';
import type { ExtProcClient } from '../harness/ext-proc-client.js';

const CONFIG = `
limits: { maxBodyBytes: 12000000 }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
  - name: gemini
    headers: [{ name: x-ai-eg-model, prefix: "gemini-" }]
`;

let svc: TestService;
let client: ExtProcClient;

beforeAll(async () => {
  svc = await startService({ yaml: CONFIG });
  client = connect(svc.target);
});
afterAll(async () => {
  client?.close();
  await svc?.stop();
});

const chat = (model: string, extra: Record<string, unknown> = {}) => JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('BUFFERED request body', () => {
  it('routes by model with overwrite-or-add headers and clear_route_cache, removing spoofed internal headers', async () => {
    const s = new RawStream(client);
    const h = await s.roundTrip(headersMessage(chatHeaders({ 'x-ai-eg-selected-route': 'gemini', 'x-ai-eg-model': 'gemini-x' })));
    expect(h.response).toBe('requestHeaders');
    expect(mutationOf(h).remove.sort()).toEqual(['x-ai-eg-model', 'x-ai-eg-selected-route']);
    const b = await s.roundTrip(bodyMessage(chat('gpt-4o-mini'), true));
    expect(b.response).toBe('requestBody');
    const m = mutationOf(b);
    expect(m.set).toEqual({ 'x-ai-eg-selected-route': 'openai', 'x-ai-eg-model': 'gpt-4o-mini' });
    expect(m.clearRouteCache).toBe(true);
    expect(b.requestBody?.response?.headerMutation?.setHeaders?.every((o) => o.appendAction === 'OVERWRITE_IF_EXISTS_OR_ADD')).toBe(true);
    const { status } = await s.close();
    expect(status.code).toBe(0);
  });

  it('answers 404 in the OpenAI error shape when no rule matches', async () => {
    const s = new RawStream(client);
    await s.roundTrip(headersMessage(chatHeaders()));
    const r = await s.roundTrip(bodyMessage(chat('llama-3-70b'), true));
    expect(r.response).toBe('immediateResponse');
    expect(client.statusCode(r.immediateResponse?.status?.code)).toBe(404);
    const body = JSON.parse(Buffer.from(r.immediateResponse!.body!).toString());
    expect(body.error).toMatchObject({ code: 'model_not_found', param: 'model' });
    expect(body.error.message).toContain('llama-3-70b');
    const ct = r.immediateResponse?.headers?.setHeaders?.find((h) => h.header?.key === 'content-type');
    expect(Buffer.from(ct!.header!.rawValue!).toString()).toBe('application/json');
    await s.close();
  });

  it('answers 400 for malformed JSON and for a missing model', async () => {
    for (const [body, code] of [['{"model": "gpt-4o",', 'invalid_json'], ['{"messages": []}', 'missing_model']] as const) {
      const s = new RawStream(client);
      await s.roundTrip(headersMessage(chatHeaders()));
      const r = await s.roundTrip(bodyMessage(body, true));
      expect(client.statusCode(r.immediateResponse?.status?.code)).toBe(400);
      expect(JSON.parse(Buffer.from(r.immediateResponse!.body!).toString()).error.code).toBe(code);
      await s.close();
    }
  });

  it('agrees with JSON.parse: the last duplicate model key wins, escaped key names count', async () => {
    const s = new RawStream(client);
    await s.roundTrip(headersMessage(chatHeaders()));
    const r = await s.roundTrip(bodyMessage('{"model":"gpt-4o","messages":[],"mod\\u0065l":"gemini-2.5-pro"}', true));
    expect(mutationOf(r).set['x-ai-eg-selected-route']).toBe('gemini');
    await s.close();
  });

  it('answers 413 for a body over limits.maxBodyBytes and accepts 10 MB bodies over gRPC', async () => {
    const big = chat('gpt-4o', { pad: 'x'.repeat(10 * 1024 * 1024) });
    const ok = new RawStream(client);
    await ok.roundTrip(headersMessage(chatHeaders()));
    expect(mutationOf(await ok.roundTrip(bodyMessage(big, true))).set['x-ai-eg-selected-route']).toBe('openai');
    await ok.close();
    const tooBig = new RawStream(client);
    await tooBig.roundTrip(headersMessage(chatHeaders()));
    const r = await tooBig.roundTrip(bodyMessage(chat('gpt-4o', { pad: 'x'.repeat(12_000_001) }), true));
    expect(client.statusCode(r.immediateResponse?.status?.code)).toBe(413);
    await tooBig.close();
  });
});

describe('other body modes', () => {
  it('BUFFERED_PARTIAL refuses to route a body-model request from the part that arrived', async () => {
    // The rest of the body goes upstream unseen, and a later duplicate "model" key is the one the
    // provider serves: a route (and an allow-list) decided on the prefix could be overturned.
    const s = new RawStream(client);
    await s.roundTrip(headersMessage(chatHeaders(), { protocol: { requestBodyMode: 'BUFFERED_PARTIAL', responseBodyMode: 'BUFFERED' } }));
    const r = await s.roundTrip(bodyMessage('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"a very long prom', false));
    expect(client.statusCode(r.immediateResponse?.status?.code)).toBe(413);
    expect(JSON.parse(Buffer.from(r.immediateResponse!.body!).toString()).error.code).toBe('body_not_inspected');
    await s.close();
  });

  it('BUFFERED_PARTIAL routes a body that arrived whole, and a URL-model request from its URL', async () => {
    const whole = new RawStream(client);
    await whole.roundTrip(headersMessage(chatHeaders(), { protocol: { requestBodyMode: 'BUFFERED_PARTIAL', responseBodyMode: 'BUFFERED' } }));
    const w = await whole.roundTrip(bodyMessage('{"model":"gemini-2.5-flash","messages":[]}', true));
    expect(mutationOf(w).set['x-ai-eg-selected-route']).toBe('gemini');
    await whole.close();
    const url = new RawStream(client);
    await url.roundTrip(
      headersMessage(chatHeaders({}, '/v1beta/models/gemini-2.5-flash:generateContent'), { protocol: { requestBodyMode: 'BUFFERED_PARTIAL', responseBodyMode: 'BUFFERED' } }),
    );
    const u = await url.roundTrip(bodyMessage('{"contents":[{"parts":[{"text":"a very long prom', false));
    expect(mutationOf(u).set['x-ai-eg-selected-route']).toBe('gemini');
    await url.close();
  });

  it('STREAMED routes from the URL in the headers reply and continues every chunk', async () => {
    const s = new RawStream(client);
    const h = await s.roundTrip(
      headersMessage(chatHeaders({}, '/v1beta/models/gemini-2.5-flash:generateContent'), {
        protocol: { requestBodyMode: 'STREAMED', responseBodyMode: 'BUFFERED' },
      }),
    );
    expect(mutationOf(h).set['x-ai-eg-selected-route']).toBe('gemini');
    expect(mutationOf(h).clearRouteCache).toBe(true);
    const c1 = await s.roundTrip(bodyMessage('{"contents":', false));
    const c2 = await s.roundTrip(bodyMessage('[]}', true));
    expect([c1.response, c2.response]).toEqual(['requestBody', 'requestBody']);
    await s.close();
  });

  it('FULL_DUPLEX_STREAMED holds the header reply, then re-emits the body in chunks of at most 62,000 bytes', async () => {
    const s = new RawStream(client);
    const body = Buffer.from(chat('gpt-4o', { pad: 'y'.repeat(150_000) }));
    s.send(headersMessage(chatHeaders(), { protocol: { requestBodyMode: 'FULL_DUPLEX_STREAMED', responseBodyMode: 'BUFFERED' } }));
    s.send(bodyMessage(body.subarray(0, 70_000), false));
    s.send(bodyMessage(body.subarray(70_000), true));
    const replies = await s.waitFor(4);
    expect(replies[0]!.response).toBe('requestHeaders');
    expect(mutationOf(replies[0]!).set['x-ai-eg-selected-route']).toBe('openai');
    const chunks = replies.slice(1).map((r) => r.requestBody?.response?.bodyMutation?.streamedResponse);
    expect(chunks.every((c) => c !== undefined && c.body!.length <= 62_000)).toBe(true);
    expect(Buffer.concat(chunks.map((c) => Buffer.from(c!.body!))).equals(body)).toBe(true);
    expect(chunks.map((c) => c!.endOfStream)).toEqual([false, false, true]);
    await s.close();
  });
});

describe('stream rules', () => {
  it('sends no reply in observability mode', async () => {
    const s = new RawStream(client);
    s.send(headersMessage(chatHeaders(), { observabilityMode: true }));
    s.send(bodyMessage(chat('gpt-4o'), true, 'requestBody', true));
    s.send(headersMessage({ ':status': '200', 'content-type': 'application/json' }, { phase: 'responseHeaders', observabilityMode: true }));
    s.send(bodyMessage('{"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}', true, 'responseBody', true));
    const { replies, status } = await s.close();
    expect(replies).toEqual([]);
    expect(status.code).toBe(0);
  });

  it('switches a 2xx SSE response to STREAMED and drops content-length; not for errors', async () => {
    const s = new RawStream(client);
    await s.roundTrip(headersMessage(chatHeaders()));
    await s.roundTrip(bodyMessage(chat('gpt-4o', { stream: true, stream_options: { include_usage: true } }), true));
    const r = await s.roundTrip(headersMessage({ ':status': '200', 'content-type': 'text/event-stream', 'content-length': '10' }, { phase: 'responseHeaders' }));
    expect(r.modeOverride?.responseBodyMode).toBe('STREAMED');
    expect(mutationOf(r).remove).toContain('content-length');
    await s.close();

    const e = new RawStream(client);
    await e.roundTrip(headersMessage(chatHeaders()));
    await e.roundTrip(bodyMessage(chat('gpt-4o', { stream: true }), true));
    const er = await e.roundTrip(headersMessage({ ':status': '429', 'content-type': 'text/event-stream' }, { phase: 'responseHeaders' }));
    expect(er.modeOverride ?? null).toBeNull();
    await e.close();
  });

  it('ignores data after the first end_of_stream and emits usage metadata once', async () => {
    const s = new RawStream(client);
    await s.roundTrip(headersMessage(chatHeaders()));
    await s.roundTrip(bodyMessage(chat('gpt-4o'), true));
    await s.roundTrip(headersMessage({ ':status': '200', 'content-type': 'application/json' }, { phase: 'responseHeaders' }));
    const usage = '{"id":"x","model":"gpt-4o-2024","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}';
    const first = await s.roundTrip(bodyMessage(usage, true, 'responseBody'));
    const again = await s.roundTrip(bodyMessage(usage, true, 'responseBody'));
    const ns = first.dynamicMetadata?.fields?.['io.envoy.ai_gateway']?.structValue?.fields;
    expect(ns?.['total_tokens']?.numberValue).toBe(12);
    expect(again.response).toBe('responseBody');
    expect(again.dynamicMetadata ?? null).toBeNull();
    await s.close();
  });

  it('treats a cancelled stream as a clean end and keeps serving', async () => {
    const s = new RawStream(client);
    await s.roundTrip(headersMessage(chatHeaders()));
    s.cancel();
    const status = await s.ended;
    expect(status.code).toBe(1); // CANCELLED, seen by the client that cancelled
    const next = new RawStream(client);
    await next.roundTrip(headersMessage(chatHeaders()));
    expect(mutationOf(await next.roundTrip(bodyMessage(chat('gpt-4o'), true))).set['x-ai-eg-selected-route']).toBe('openai');
    await next.close();
    await expect.poll(async () => svc.metricsText()).toMatch(/llm_extproc_streams_total\{outcome="cancelled"[^}]*\} [1-9]/);
  });

  it('ends a stream carrying no known phase with a gRPC error, not a crash', async () => {
    const s = new RawStream(client);
    s.send({} as never);
    const status = await s.ended;
    expect(status.code).toBe(3); // INVALID_ARGUMENT
  });

  it('ends a stream whose message is not well-formed protobuf with INVALID_ARGUMENT, and keeps serving', async () => {
    const raw = new grpc.Client(svc.target, grpc.credentials.createInsecure());
    const identity = (b: Buffer): Buffer => b;
    try {
      const call = raw.makeBidiStreamRequest('/envoy.service.ext_proc.v3.ExternalProcessor/Process', identity, identity);
      const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
      call.on('data', () => undefined);
      call.on('error', () => undefined);
      // request_headers announcing 200 bytes, 2 present.
      call.write(Buffer.from('12c80118 01'.replace(/ /g, ''), 'hex'));
      call.end();
      const { code, details } = await status;
      expect(code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(details).toMatch(/malformed protobuf message/);
    } finally {
      raw.close();
    }
    const s = new RawStream(client);
    const h = await s.roundTrip(headersMessage(chatHeaders()));
    expect(h.response).toBe('requestHeaders');
  });

  it('ends a stream whose body comes before its headers with a protocol error, and keeps serving', async () => {
    const s = new RawStream(client);
    s.send(bodyMessage(chat('gpt-4o'), true));
    const status = await s.ended;
    expect(status.code).toBe(3); // INVALID_ARGUMENT
    expect(status.details).toMatch(/protocol error: requestBody arrived before requestHeaders/);
    const next = new RawStream(client);
    await next.roundTrip(headersMessage(chatHeaders()));
    expect(mutationOf(await next.roundTrip(bodyMessage(chat('gpt-4o'), true))).set['x-ai-eg-selected-route']).toBe('openai');
    await next.close();
  });
});
