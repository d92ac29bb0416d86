import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProcessor, type FakeProcessor } from './fake-processor.js';
import { startHarness, type Exchange, type Harness } from './harness.js';
import { rawRequest } from './http-request.js';
import { startMockUpstream, type MockUpstream } from './mock-upstream.js';
import { chat, startTwoUpstreams, type TwoUpstreams } from './test-helpers.js';
import { fromHeaderMap } from './wire.js';

describe('STREAMED and BUFFERED_PARTIAL request bodies', () => {
  let fake: FakeProcessor;
  let up: MockUpstream;
  let streamed: Harness;
  let partial: Harness;

  beforeAll(async () => {
    // Upper-cases every request body chunk it is given, and (uselessly) tries to set a header.
    fake = await startFakeProcessor({
      respond: (message) => {
        if (!message.requestBody) return undefined;
        const body = Buffer.from(message.requestBody.body ?? '').toString('utf8').toUpperCase();
        return [
          {
            requestBody: {
              response: {
                bodyMutation: { body: Buffer.from(body) },
                headerMutation: { setHeaders: [{ header: { key: 'x-late', rawValue: Buffer.from('1') } }] },
              },
            },
          },
        ];
      },
    });
    up = await startMockUpstream({
      handler: (req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-seen-length': req.headers['content-length'] ?? 'none' });
        res.end(req.body);
      },
    });
    const base = { processorAddress: fake.address, routes: [], defaultUpstream: 'up', upstreams: { up } } as const;
    streamed = await startHarness({ ...base, mode: { requestBody: 'STREAMED', responseBody: 'NONE' } });
    partial = await startHarness({ ...base, mode: { requestBody: 'BUFFERED_PARTIAL', responseBody: 'NONE' }, bufferLimitBytes: 16 });
  });
  afterAll(async () => {
    await Promise.all([streamed.close(), partial.close()]);
    await Promise.all([fake.close(), up.close()]);
  });

  it('STREAMED: sends chunks as they arrive, applies replies in order, ignores late header mutations', async () => {
    const res = await rawRequest(`${streamed.url}/upload`, {
      method: 'POST',
      headers: { 'content-length': '30', 'x-harness-id': 'st-1' },
      chunks: ['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc'],
    });
    expect(res.text()).toBe('AAAAAAAAAABBBBBBBBBBCCCCCCCCCC');
    expect(res.headers['x-seen-length']).toBe('none');
    const exchange = streamed.exchange('st-1')!;
    await exchange.finished;
    const bodies = exchange.sent.filter((m) => m.request === 'requestBody').map((m) => m.requestBody!);
    expect(Buffer.concat(bodies.map((b) => Buffer.from(b.body ?? ''))).toString()).toBe('aaaaaaaaaabbbbbbbbbbcccccccccc');
    expect(bodies.at(-1)?.endOfStream).toBe(true);
    expect(exchange.upstreamRequest?.headers.find(([n]) => n === 'x-late')).toBeUndefined();
    expect(exchange.ignored).toContain('body reply header mutation after headers went on: ignored');
    expect(exchange.violations).toEqual([]);
  });

  it('BUFFERED_PARTIAL: sends what arrived up to the limit (end_of_stream false), the rest passes', async () => {
    const original = 'aaaaaaaaaabbbbbbbbbbcccccccccc';
    const res = await rawRequest(`${partial.url}/upload`, {
      method: 'POST',
      headers: { 'x-harness-id': 'bp-1' },
      chunks: ['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc'],
    });
    const exchange = partial.exchange('bp-1')!;
    await exchange.finished;
    const bodies = exchange.sent.filter((m) => m.request === 'requestBody').map((m) => m.requestBody!);
    expect(bodies).toHaveLength(1);
    const first = Buffer.from(bodies[0]!.body ?? '').toString();
    expect(first.length).toBeGreaterThan(16);
    expect(bodies[0]!.endOfStream).toBe(false);
    expect(res.text()).toBe(first.toUpperCase() + original.slice(first.length));
    expect(exchange.violations).toEqual([]);
  });
});

describe('FULL_DUPLEX_STREAMED request body', () => {
  let setup: TwoUpstreams;
  let fake: FakeProcessor;
  let upB: MockUpstream;
  let harness: Harness;

  beforeAll(async () => {
    setup = await startTwoUpstreams({ routeHeader: 'x-route', duplexChunks: 3 }, { requestBody: 'FULL_DUPLEX_STREAMED', responseBody: 'NONE' });
    ({ fake, upB, harness } = setup);
  });
  afterAll(() => setup.close());

  it('sends chunks without waiting, takes a late headers reply, and reassembles streamed_response chunks', async () => {
    const text = JSON.stringify(chat('model-b'));
    const res = await rawRequest(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-harness-id': 'fd-1' },
      chunks: [text.slice(0, 10), text.slice(10)],
    });
    const exchange = harness.exchange('fd-1')!;
    await exchange.finished;
    expect(JSON.parse(res.text())).toEqual({ upstream: 'b', model: 'model-b-duplex' });
    // The processor held its headers reply until it had the whole body.
    const seen = fake.streams.at(-1)!;
    expect(seen.heldHeaders).toBe(true);
    expect(seen.messages[0]?.request).toBe('requestHeaders');
    expect(seen.messages.filter((m) => m.request === 'requestBody').at(-1)?.requestBody?.endOfStream).toBe(true);
    expect(exchange.received.map((r) => r.response)).toEqual([
      'requestHeaders',
      'requestBody',
      'requestBody',
      'requestBody',
      'responseHeaders',
    ]);
    const upstreamSeen = upB.requests.at(-1)!;
    expect(JSON.parse(upstreamSeen.body.toString('utf8'))).toEqual(chat('model-b-duplex'));
    expect(upstreamSeen.headers['content-length']).toBeUndefined();
    expect(exchange.violations).toEqual([]);
  });
});

describe('mode_override to STREAMED for SSE responses', () => {
  let fake: FakeProcessor;
  let up: MockUpstream;
  let allowed: Harness;
  let refused: Harness;
  let gate: { promise: Promise<void>; open: () => void } | undefined;

  beforeAll(async () => {
    fake = await startFakeProcessor({ streamSse: true });
    up = await startMockUpstream({
      handler: async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"n":1}\n\n');
        await gate?.promise;
        res.write('data: {"n":2}\n\n');
        res.end('data: [DONE]\n\n');
      },
    });
    const base = {
      processorAddress: fake.address,
      mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
      routes: [],
      defaultUpstream: 'up',
      upstreams: { up },
    } as const;
    allowed = await startHarness({ ...base, allowModeOverride: true });
    refused = await startHarness(base);
  });
  afterAll(async () => {
    gate?.open();
    await Promise.all([allowed.close(), refused.close()]);
    await Promise.all([fake.close(), up.close()]);
  });

  it('switches the response body to STREAMED and chunks reach the client while the upstream is still sending', async () => {
    let open = (): void => undefined;
    gate = { promise: new Promise<void>((resolve) => (open = resolve)), open: () => open() };
    // The upstream holds its second event until the client has seen the first one: this only
    // completes if the harness streams chunk by chunk.
    const res = await rawRequest(`${allowed.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-harness-id': 'sse-1' },
      chunks: [JSON.stringify({ model: 'm', stream: true })],
      onChunk: (chunk) => {
        if (chunk.toString('utf8').includes('"n":1')) gate?.open();
      },
    });
    expect(res.text()).toBe('data: {"n":1}\n\ndata: {"n":2}\n\ndata: [DONE]\n\n');
    expect(res.headers['content-type']).toBe('text/event-stream');
    const exchange = allowed.exchange('sse-1')!;
    await exchange.finished;
    const bodies = exchange.sent.filter((m) => m.request === 'responseBody');
    expect(bodies.length).toBeGreaterThanOrEqual(2);
    expect(bodies.at(-1)?.responseBody?.endOfStream).toBe(true);
    expect(bodies.slice(0, -1).every((m) => m.responseBody?.endOfStream === false)).toBe(true);
    expect(exchange.violations).toEqual([]);
  });

  it('ignores mode_override unless allow_mode_override is set (body stays BUFFERED)', async () => {
    gate = undefined;
    const res = await rawRequest(`${refused.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-harness-id': 'sse-2' },
      chunks: [JSON.stringify({ model: 'm', stream: true })],
    });
    expect(res.text()).toBe('data: {"n":1}\n\ndata: {"n":2}\n\ndata: [DONE]\n\n');
    const exchange = refused.exchange('sse-2')!;
    await exchange.finished;
    const bodies = exchange.sent.filter((m) => m.request === 'responseBody');
    expect(bodies).toHaveLength(1);
    expect(bodies[0]?.responseBody?.endOfStream).toBe(true);
    expect(exchange.ignored).toContain('mode_override ignored: allow_mode_override is off');
  });
});

describe('openai SDK through the harness against recorded cassettes', () => {
  let fake: FakeProcessor;
  let up: MockUpstream;
  let harness: Harness;
  let client: OpenAI;

  beforeAll(async () => {
    fake = await startFakeProcessor({ streamSse: true });
    up = await startMockUpstream({ cassettes: ['chat-basic', 'chat-streaming'] });
    harness = await startHarness({
      processorAddress: fake.address,
      mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
      allowModeOverride: true,
      routes: [],
      defaultUpstream: 'openai',
      upstreams: { openai: up },
    });
    client = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: 'x', maxRetries: 0 });
  });
  afterAll(async () => {
    await harness.close();
    await Promise.all([fake.close(), up.close()]);
  });

  const lastExchange = async (): Promise<Exchange> => {
    await harness.settled();
    return harness.lastExchange()!;
  };

  it('does a non-streaming chat completion', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-5-nano',
      messages: [{ role: 'user', content: 'Hello!' }],
    });
    expect(completion.choices[0]?.message.content).toMatch(/^Hi there! How can I help you today\?/);
    expect(completion.usage?.total_tokens).toBe(385);
    const exchange = await lastExchange();
    expect(exchange.upstreamRequest?.headers).toContainEqual(['authorization', 'Bearer x']);
    expect(up.unmatched).toEqual([]);
    expect(exchange.violations).toEqual([]);
  });

  it('does a streaming chat completion, streamed chunk by chunk after mode_override', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-5-nano',
      messages: [{ role: 'user', content: 'Hello!' }],
      stream: true,
    });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(chunks).toBeGreaterThan(10);
    expect(text).toMatch(/^Hi there! How can I help/);
    const exchange = await lastExchange();
    // STREAMED after the override: data chunks, then an empty end_of_stream chunk (BUFFERED would send one).
    const bodies = exchange.sent.filter((m) => m.request === 'responseBody');
    expect(bodies.length).toBeGreaterThan(1);
    expect(bodies.at(-1)?.responseBody?.endOfStream).toBe(true);
    expect(Buffer.from(bodies.at(-1)?.responseBody?.body ?? '').length).toBe(0);
    const responseHeaders = fromHeaderMap(exchange.sent.find((m) => m.responseHeaders)?.responseHeaders?.headers);
    expect(responseHeaders[0]).toEqual([':status', '200']);
    expect(exchange.violations).toEqual([]);
    expect(harness.violations).toEqual([]);
  });
});
