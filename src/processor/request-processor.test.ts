/**
 * The request processor alone, against a fake generation and fake hooks: the order hooks run
 * in, what each sees, how their changes merge with the processor's own, answers, per-request
 * contexts, and the response and outcome hooks.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { UserFacingError } from '../errors.js';
import type { Hook, HookRequest } from '../hooks/hook.js';
import type { RequestOutcome } from '../hooks/outcome.js';
import type { PhaseMessage, PhaseReply } from '../hooks/phase.js';
import type { RequestMetrics } from '../metrics/request-metrics.js';
import { HeaderMatchRouter } from '../routing/header-match-router.js';
import { RouteDecider } from '../routing/route-decider.js';
import type { Generation } from './generation.js';
import { RequestProcessor } from './request-processor.js';

const logger = pino({ level: 'silent' });

const { config } = parseConfig(
  `
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai, modelNameOverride: gpt-4o-2024-08-06 }]
  - name: gemini
    headers: [{ name: x-ai-eg-model, prefix: "gemini-" }]
    backends: [{ name: gemini }]
`,
  'test',
);

const noMetrics: RequestMetrics = {
  startRequest() {},
  setModel() {},
  setBackend() {},
  recordTokenUsage() {},
  recordRequestCompletion() {},
  recordTokenLatency() {},
};

function generation(hooks: Hook[]): Generation {
  const router = new HeaderMatchRouter(config.rules, config.modelNameHeaderKey);
  return {
    info: { id: 1, hash: 'h', source: 'test', loadedAt: 0, modules: {} },
    config,
    decider: new RouteDecider({ router, defaultRouter: router, timeoutMs: 100, failureMode: 'closed', logger }),
    metrics: { newRequest: () => noMetrics },
    costs: () => ({ values: {}, errors: [] }),
    hooks,
    backendOfRule: new Map([
      ['openai', 'openai'],
      ['gemini', 'gemini'],
    ]),
    singleBackendOfRule: new Map(config.rules.map((r) => [r.name, r.backends[0]!])),
    modelOverrideOfRule: new Map([['openai', 'gpt-4o-2024-08-06']]),
    backendOfCluster: new Map(),
  };
}

function processor(hooks: Hook[]): RequestProcessor {
  return new RequestProcessor({ generation: generation(hooks), logger, events: { passthrough() {}, decision() {} }, warnStreamedOnce() {} });
}

const headers = (path = '/v1/chat/completions', extra: Record<string, string> = {}): PhaseMessage => ({
  phase: 'requestHeaders',
  headers: { ':method': 'POST', ':path': path, 'content-type': 'application/json', 'x-request-id': 'r1', ...extra },
  endOfStream: false,
  observabilityMode: false,
});
const body = (text: string): PhaseMessage => ({ phase: 'requestBody', body: Buffer.from(text), endOfStream: true, observabilityMode: false });
const CHAT = '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}';

/** The set headers of a continue reply, as a record. */
function setOf(reply: PhaseReply | undefined): Record<string, string> {
  return reply?.kind === 'continue' ? Object.fromEntries(reply.headers?.set ?? []) : {};
}

/** Waits for the outcome hooks (they run after the reply, on the next turn). */
const nextTurn = () => new Promise((r) => setImmediate(r));

describe('the request processor with fake hooks', () => {
  it('runs onRequest in list order after routing; each hook sees the body and caller earlier hooks left', async () => {
    const seen: Array<{ hook: string; body: string | undefined; caller: string | undefined; rule: string | undefined; sentModel: string | undefined }> = [];
    const spy = (name: string, result?: (req: HookRequest) => ReturnType<NonNullable<Hook['onRequest']>>): Hook => ({
      name,
      onRequest(req) {
        seen.push({ hook: name, body: req.body?.toString(), caller: req.caller?.project, rule: req.rule, sentModel: req.sentModel });
        return result?.(req);
      },
    });
    const p = processor([
      spy('auth', () => ({ caller: { id: 'k1', project: 'team-a' } })),
      spy('rewrite', (req) => ({ body: Buffer.from(req.body!.toString().replace('"hi"', '"hello"')) })),
      spy('last'),
    ]);
    await p.handle(headers());
    const [reply] = await p.handle(body(CHAT));
    expect(seen.map((s) => s.hook)).toEqual(['auth', 'rewrite', 'last']);
    // The API spec renamed the model (modelNameOverride) before the hooks ran.
    expect(seen[0]).toEqual({ hook: 'auth', body: '{"model":"gpt-4o-2024-08-06","messages":[{"role":"user","content":"hi"}]}', caller: undefined, rule: 'openai', sentModel: 'gpt-4o-2024-08-06' });
    expect(seen[2]).toMatchObject({ body: '{"model":"gpt-4o-2024-08-06","messages":[{"role":"user","content":"hello"}]}', caller: 'team-a' });
    expect(reply?.kind === 'continue' && reply.body?.toString()).toBe(seen[2]!.body);
    expect(setOf(reply)['content-length']).toBe(String(Buffer.byteLength(seen[2]!.body!)));
  });

  it('merges header changes in list order; the route and model headers are always the processor’s', async () => {
    const p = processor([
      { name: 'a', onRequest: () => ({ headers: { set: [['x-one', 'a'], ['x-two', 'a']], remove: ['x-drop', 'x-two'] } }) },
      { name: 'b', onRequest: () => ({ headers: { set: [['x-two', 'b'], ['x-ai-eg-selected-route', 'spoofed']] } }) },
    ]);
    await p.handle(headers());
    const [reply] = await p.handle(body(CHAT));
    expect(setOf(reply)).toMatchObject({ 'x-one': 'a', 'x-two': 'b', 'x-ai-eg-selected-route': 'openai', 'x-ai-eg-model': 'gpt-4o' });
    expect(reply?.kind === 'continue' && reply.headers?.remove).toEqual(['x-drop']);
  });

  it('stops at the first answer: later hooks do not run, nothing is forwarded, the outcome names the hook', async () => {
    const calls: string[] = [];
    const outcomes: RequestOutcome[] = [];
    const p = processor([
      { name: 'counter', onRequest: () => void calls.push('counter'), onForward: () => void calls.push('forward') },
      { name: 'guard', onRequest: () => ({ answer: new UserFacingError(400, 'prompt_refused', 'no') }) },
      { name: 'after', onRequest: () => void calls.push('after') },
      { name: 'record', onOutcome: (o) => void outcomes.push(o) },
    ]);
    await p.handle(headers());
    const [reply] = await p.handle(body(CHAT));
    expect(reply).toMatchObject({ kind: 'immediate', status: 400 });
    expect(JSON.parse(String(reply?.kind === 'immediate' && reply.body)).error.code).toBe('prompt_refused');
    expect(calls).toEqual(['counter']);
    expect(outcomes).toEqual([]); // not yet: outcome hooks run after the reply went out
    await nextTurn();
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ status: 400, errorType: 'prompt_refused', answeredBy: 'guard', rule: 'openai', model: 'gpt-4o', sentModel: 'gpt-4o-2024-08-06' });
  });

  it('answers with a hook’s local response, in the client’s bytes', async () => {
    const p = processor([{ name: 'cache', onRequest: () => ({ answer: { status: 200, headers: [['content-type', 'application/json'], ['x-cache', 'hit']], body: Buffer.from('{"id":"cached"}'), details: 'cache_hit' } }) }]);
    await p.handle(headers());
    const [reply] = await p.handle(body(CHAT));
    expect(reply).toMatchObject({ kind: 'immediate', status: 200, details: 'cache_hit' });
    expect(reply?.kind === 'immediate' && reply.body.toString()).toBe('{"id":"cached"}');
  });

  it('hands each hook its own context back on the response, and response changes merge in order', async () => {
    const chunks: string[] = [];
    const outcomes: Array<[number, unknown]> = [];
    const p = processor([
      {
        name: 'a',
        onRequest: () => ({ context: 'ctx-a' }),
        onResponseHeaders: (res, _req, ctx) => ({ set: [['x-a', `${String(ctx)}:${res.status}`]] }),
        onResponseBody: (chunk, end, _req, ctx) => void chunks.push(`${String(ctx)}:${chunk.toString()}:${end}`),
        onOutcome: (o, ctx) => void outcomes.push([o.status, ctx]),
      },
      { name: 'b', onResponseHeaders: () => ({ set: [['x-a', 'b']], remove: ['server'] }) },
    ]);
    await p.handle(headers());
    await p.handle(body(CHAT));
    const [h] = await p.handle({ phase: 'responseHeaders', headers: { ':status': '200', 'content-type': 'application/json' }, endOfStream: false, observabilityMode: false });
    expect(setOf(h)).toEqual({ 'x-a': 'b', 'x-request-id': 'r1' });
    expect(h?.kind === 'continue' && h.headers?.remove).toEqual(['server']);
    await p.handle({ phase: 'responseBody', body: Buffer.from('{"usage":{"prompt_tokens":1,"completion_tokens":2}}'), endOfStream: true, observabilityMode: false });
    expect(chunks).toEqual(['ctx-a:{"usage":{"prompt_tokens":1,"completion_tokens":2}}:true']);
    p.finish('completed');
    await nextTurn();
    expect(outcomes).toEqual([[200, 'ctx-a']]);
  });

  it('runs onRequestHeaders before the body is read, and a refusal there ends the request', async () => {
    const seen: string[] = [];
    const p = processor([
      { name: 'early', onRequestHeaders: (req) => (req.headers['x-tenant'] === 'blocked' ? { answer: new UserFacingError(403, 'tenant_blocked', 'blocked') } : void seen.push(req.api?.id ?? '-')) },
    ]);
    const [r] = await p.handle(headers('/v1/chat/completions', { 'x-tenant': 'blocked' }));
    expect(r).toMatchObject({ kind: 'immediate', status: 403 });
    const q = processor([{ name: 'early', onRequestHeaders: (req) => void seen.push(req.api?.id ?? '-') }]);
    await q.handle(headers('/v1beta/models/gemini-2.0-flash:generateContent'));
    expect(seen).toEqual(['gemini.generate_content']);
  });

  it('lets hooks see listing and passthrough requests for what they are', async () => {
    const kinds: Array<[string, string | undefined]> = [];
    const hook: Hook = { name: 'k', onRequest: (req) => void kinds.push([req.kind, req.api?.id]) };
    await processor([hook]).handle({ ...headers('/v1/models'), headers: { ':method': 'GET', ':path': '/v1/models' }, endOfStream: true });
    await processor([hook]).handle({ ...headers('/healthz'), headers: { ':method': 'GET', ':path': '/healthz' }, endOfStream: true });
    expect(kinds).toEqual([
      ['listing', undefined],
      ['passthrough', undefined],
    ]);
  });

  it('an internal error of a hook is the request’s internal error (Envoy’s failure mode decides)', async () => {
    const p = processor([
      {
        name: 'broken',
        onRequest() {
          throw new TypeError('bug');
        },
      },
    ]);
    await p.handle(headers());
    await expect(p.handle(body(CHAT))).rejects.toThrow('bug');
  });

  it('calls onForward of every hook that ran, once, when the request goes upstream', async () => {
    const forwarded: string[] = [];
    const p = processor([
      { name: 'a', onRequest: () => ({ context: 1 }), onForward: (req, ctx) => void forwarded.push(`${req.rule}:${String(ctx)}`) },
      { name: 'b', onForward: () => void forwarded.push('b') },
    ]);
    await p.handle(headers());
    await p.handle(body(CHAT));
    expect(forwarded).toEqual(['openai:1', 'b']);
  });
});
