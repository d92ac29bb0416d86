import { createNoopMeter } from '@opentelemetry/api';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import type { HookRequest, LocalResponse } from '../hooks/hook.js';
import type { RequestOutcome } from '../hooks/outcome.js';
import { CACHE_HEADER, cacheHook } from './cache-hook.js';
import { CacheMetrics } from './cache-metrics.js';
import { MemoryStore } from './memory-store.js';
import { ResponseCache } from './response-cache.js';

const yaml = (extra = '') => `
cache: { enabled: true, maxObjectBytes: 1000, lookupTimeoutMs: 50${extra} }
rules:
  - name: keyed
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai, auth: { apiKey: { key: sk-backend } } }]
  - name: open
    headers: [{ name: x-ai-eg-model, prefix: "byok-" }]
    backends: [{ name: openai }]
`;

function setup(extra = '') {
  const config = parseConfig(yaml(extra), 'test').config;
  const cache = new ResponseCache({ store: new MemoryStore({ maxBytes: 1 << 20 }), metrics: new CacheMetrics(createNoopMeter()), logger: pino({ level: 'silent' }), now: () => 1_000_000 });
  return { config, cache, hook: cacheHook(config, cache) };
}

function request(config: ReturnType<typeof setup>['config'], over: Partial<HookRequest> = {}): HookRequest {
  return {
    kind: 'routed', method: 'POST', path: '/v1/chat/completions', headers: {}, api: { id: 'openai.chat_completions', provider: 'openai', operation: 'chat', errorShape: 'openai' },
    config, model: 'gpt-4o', stream: false, rule: 'keyed', backend: undefined, sentModel: undefined, upstreamPath: '/v1/chat/completions',
    body: Buffer.from('{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}'), requestId: 'r', traceId: undefined, caller: undefined, ...over,
  };
}

const outcome = (o: Partial<RequestOutcome> = {}): RequestOutcome => ({
  api: 'openai.chat_completions', method: 'POST', path: '/v1/chat/completions', model: 'gpt-4o', rule: 'keyed', stream: false, status: 200, errorType: undefined, durationMs: 1,
  info: { usage: { input: 5, output: 7 }, model: 'gpt-4o-2024-08-06' }, costUsd: 0.25, ...o,
});

/** Runs one miss through the hook with the given response; resolves once its store (if any) is done. */
async function miss(s: ReturnType<typeof setup>, req: HookRequest, res: { status?: number; headers?: Record<string, string>; chunks?: string[]; outcome?: Partial<RequestOutcome> }) {
  const r = (await s.hook.onRequest!(req)) as { context?: unknown; headers?: unknown };
  const changes = s.hook.onResponseHeaders!({ status: res.status ?? 200, headers: res.headers ?? { 'content-type': 'application/json' }, streaming: req.stream }, req, r.context);
  for (const c of res.chunks ?? ['{"ok":true}']) s.hook.onResponseBody!(Buffer.from(c), false, req, r.context);
  s.hook.onOutcome!(outcome({ status: res.status ?? 200, stream: req.stream, ...res.outcome }), r.context);
  await new Promise((done) => setTimeout(done, 5));
  return { result: r, changes };
}

async function answer(s: ReturnType<typeof setup>, req: HookRequest): Promise<LocalResponse | undefined> {
  const r = await s.hook.onRequest!(req);
  return r && 'answer' in r ? (r.answer as LocalResponse) : undefined;
}

describe('cache hook', () => {
  it('stores a complete 2xx and answers it with the original usage, cost 0 and the cost saved', async () => {
    const s = setup();
    const { result, changes } = await miss(s, request(s.config), { chunks: ['{"ok":', 'true}'] });
    expect(result.headers).toEqual({ set: [['accept-encoding', 'identity']] });
    expect(changes).toEqual({ set: [[CACHE_HEADER, 'miss']] });
    const hit = await answer(s, request(s.config));
    expect(hit?.body.toString()).toBe('{"ok":true}');
    expect(hit?.headers).toEqual([['content-type', 'application/json'], [CACHE_HEADER, 'hit'], ['age', '0']]);
    expect(hit?.outcome).toEqual({ info: { usage: { input: 5, output: 7 }, model: 'gpt-4o-2024-08-06' }, costUsd: 0, costSavedUsd: 0.25 });
  });

  it('keys on the model sent upstream', async () => {
    const s = setup();
    await miss(s, request(s.config, { sentModel: 'renamed-a' }), {});
    expect(await answer(s, request(s.config, { sentModel: 'renamed-b' }))).toBeUndefined();
    expect(await answer(s, request(s.config, { sentModel: 'renamed-a' }))).toBeDefined();
  });

  it('does not store errors, incomplete responses, encoded bodies, oversized bodies or streams without usage', async () => {
    const cases: Array<[string, Parameters<typeof miss>[2], Partial<HookRequest>]> = [
      ['500', { status: 500 }, {}],
      ['cancelled', { outcome: { errorType: 'cancelled' } }, {}],
      ['gzip', { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } }, {}],
      ['too large', { chunks: ['x'.repeat(600), 'y'.repeat(600)] }, {}],
      ['stream without usage', { headers: { 'content-type': 'text/event-stream' }, outcome: { info: { usage: {} } } }, { stream: true }],
    ];
    for (const [name, res, over] of cases) {
      const s = setup();
      const req = request(s.config, over);
      await miss(s, req, res);
      expect(await answer(s, req), name).toBeUndefined();
    }
  });

  it('bypasses a client credential that reaches the provider, unless configured; not a gateway key, nor a backend credential', async () => {
    const s = setup();
    const own = request(s.config, { rule: 'open', headers: { authorization: 'Bearer sk-own' } });
    const r = (await s.hook.onRequest!(own)) as { context?: unknown };
    expect(s.hook.onResponseHeaders!({ status: 200, headers: {}, streaming: false }, own, r.context)).toEqual({ set: [[CACHE_HEADER, 'bypass']] });
    const key = (await s.hook.onRequest!(request(s.config, { rule: 'open', headers: { authorization: 'Bearer gk' }, caller: { id: 'k', project: 'p' } }))) as { headers?: unknown };
    expect(key.headers).toBeDefined(); // a miss, not a bypass
    const backend = (await s.hook.onRequest!(request(s.config, { headers: { authorization: 'Bearer sk-own' } }))) as { headers?: unknown };
    expect(backend.headers).toBeDefined();
    const allowed = setup(', clientCredentials: true');
    const ok = (await allowed.hook.onRequest!(request(allowed.config, { rule: 'open', headers: { authorization: 'Bearer sk-own' } }))) as { headers?: unknown };
    expect(ok.headers).toBeDefined();
  });

  it('leaves requests of other kinds and of rules without caching alone', async () => {
    const s = setup();
    for (const over of [{ kind: 'passthrough' as const }, { kind: 'listing' as const }, { kind: 'unrouted' as const, rule: undefined }, { rule: 'not-a-rule' }]) {
      expect(await s.hook.onRequest!(request(s.config, over)), JSON.stringify(over)).toBeUndefined();
    }
  });

  describe('streamKeys', () => {
    const completion = JSON.stringify({
      id: 'chatcmpl-9',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-2024-08-06',
      choices: [{ index: 0, message: { role: 'assistant', content: 'cached answer', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    });
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-9', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-2024-08-06', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const stream = [chunk({ role: 'assistant', content: '' }), chunk({ content: 'streamed answer' }), chunk({}, 'stop'), 'data: [DONE]\n\n'];
    const asked = (stream: boolean, extra: Record<string, unknown> = {}) =>
      Buffer.from(JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}), ...extra }));
    const sse = { 'content-type': 'text/event-stream' };

    it('separate (the default): a streaming request does not find the whole response', async () => {
      const s = setup();
      await miss(s, request(s.config, { body: asked(false) }), { chunks: [completion] });
      expect(await answer(s, request(s.config, { body: asked(true), stream: true }))).toBeUndefined();
      expect(await answer(s, request(s.config, { body: asked(false) }))).toBeDefined();
    });

    it('shared: a streaming request gets the stored whole response as a stream, with its usage chunk and the original usage', async () => {
      const s = setup(', streamKeys: shared');
      await miss(s, request(s.config, { body: asked(false) }), { chunks: [completion] });
      const hit = await answer(s, request(s.config, { body: asked(true), stream: true }));
      expect(hit?.headers[0]).toEqual(['content-type', 'text/event-stream; charset=utf-8']);
      const text = hit!.body.toString();
      expect(text).toContain('"content":"cached answer"');
      expect(text).toContain('"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}');
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
      expect(hit?.outcome).toEqual({ info: { usage: { input: 5, output: 7 }, model: 'gpt-4o-2024-08-06' }, costUsd: 0, costSavedUsd: 0.25 });
      // The stored whole response is still served as is to a non-streaming request.
      expect((await answer(s, request(s.config, { body: asked(false) })))?.body.toString()).toBe(completion);
    });

    it('shared: a non-streaming request gets the stored stream as a whole response', async () => {
      const s = setup(', streamKeys: shared');
      await miss(s, request(s.config, { body: asked(true), stream: true }), { headers: sse, chunks: stream });
      const hit = await answer(s, request(s.config, { body: asked(false) }));
      expect(hit?.headers[0]).toEqual(['content-type', 'application/json']);
      expect(JSON.parse(hit!.body.toString())).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: 'streamed answer' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 7 } });
      expect(hit?.outcome?.info?.usage).toEqual({ input: 5, output: 7 });
    });

    it("a rule's streamKeys overrides the global one", async () => {
      const s = setup(', streamKeys: shared');
      const config = parseConfig(yaml(', streamKeys: shared').replace('backends: [{ name: openai }]', 'backends: [{ name: openai }]\n    cache: { streamKeys: separate }'), 'test').config;
      const hook = cacheHook(config, s.cache);
      const open = { ...s, config, hook };
      await miss(open, request(config, { rule: 'open', body: asked(false) }), { chunks: [completion] });
      expect(await answer(open, request(config, { rule: 'open', body: asked(true), stream: true }))).toBeUndefined();
    });

    it('shared: an entry that cannot be converted is a miss (counted with its reason), and the new response replaces it', async () => {
      const s = setup(', streamKeys: shared');
      const two = JSON.stringify({ ...JSON.parse(completion), choices: [0, 1].map((index) => ({ index, message: { role: 'assistant', content: `answer ${index}` }, finish_reason: 'stop' })) });
      await miss(s, request(s.config, { body: asked(false, { n: 2 }) }), { chunks: [two] });
      const streaming = request(s.config, { body: asked(true, { n: 2 }), stream: true });
      expect(await answer(s, streaming)).toBeUndefined();
      await miss(s, streaming, { headers: sse, chunks: stream });
      expect((await answer(s, streaming))?.body.toString()).toBe(stream.join(''));
    });

    it('shared: APIs whose forms are not converted keep distinct keys', async () => {
      const s = setup(', streamKeys: shared');
      const gemini = { id: 'gemini.generate_content', provider: 'gemini', operation: 'chat', errorShape: 'gemini' } as const;
      const body = Buffer.from('{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}');
      await miss(s, request(s.config, { api: gemini, body, upstreamPath: '/v1beta/models/gpt-x:generateContent' }), { chunks: ['{"candidates":[]}'] });
      expect(await answer(s, request(s.config, { api: gemini, body, stream: true, upstreamPath: '/v1beta/models/gpt-x:generateContent' }))).toBeUndefined();
    });
  });
});

