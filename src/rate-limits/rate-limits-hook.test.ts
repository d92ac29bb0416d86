/**
 * The rate-limits hook on its own: the synchronous path (a store that answers at once, as the
 * memory store does) and the asynchronous one (a store that answers with promises, as Redis
 * does) give the same answers, headers and charges; tokens are charged at the outcome; the
 * failure mode decides when the store fails either way.
 */
import { createNoopMeter } from '@opentelemetry/api';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import type { Caller, Hook, HookRequest } from '../hooks/hook.js';
import { fakeHookRequest, fakeOutcome } from '../testing.js';
import { CounterStoreError, type CounterCheck, type CounterStore, type TakeResult } from './counter-store.js';
import { MemoryCounterStore } from './memory-store.js';
import { RateLimitedError, rateLimitInstruments, rateLimitsHook } from './rate-limits-hook.js';

const logger = pino({ level: 'silent' });
const meter = createNoopMeter();
const T0 = 1_700_000_040_000;

const config = (failureMode = 'open') =>
  parseConfig(
    `
rateLimits:
  failureMode: ${failureMode}
  limits:
    - { name: per-key, per: [key], requestsPerMinute: 3 }
    - { name: per-project-model, per: [project, model], tokensPerMinute: 100, tokens: input }
    - { name: gpt-only, models: ["gpt-*"], rules: [openai], requestsPerMinute: 1000 }
`,
    'test',
  ).config;

const CALLER: Caller = { id: 'k1', project: 'team-a' };

/** The memory store behind promises: what a store that goes over the network looks like to the hook. */
class PromisedStore implements CounterStore {
  constructor(private readonly inner: MemoryCounterStore) {}
  take(checks: readonly CounterCheck[], now: number): Promise<TakeResult> {
    return Promise.resolve(this.inner.take(checks, now));
  }
  add(key: string, amount: number, now: number): Promise<void> {
    this.inner.add(key, amount, now);
    return Promise.resolve();
  }
  peek(keys: readonly string[], now: number) {
    return this.inner.peek(keys, now);
  }
  close() {
    return this.inner.close();
  }
}

/** A store that fails, synchronously or with a rejected promise. */
function failingStore(how: 'throws' | 'rejects'): CounterStore {
  const fail = () => new CounterStoreError('unreachable');
  return {
    take: () => {
      if (how === 'throws') throw fail();
      return Promise.reject(fail());
    },
    add: () => Promise.reject(fail()),
    peek: () => Promise.reject(fail()),
    close: () => Promise.resolve(),
  };
}

function hookOver(store: CounterStore, clock: { t: number }, failureMode?: string): Hook {
  return rateLimitsHook(config(failureMode), { store, logger, meter, now: () => clock.t }, rateLimitInstruments(meter));
}

/** What one request gives, made comparable: the answer (status, message, headers) or the response headers. */
async function ask(hook: Hook, req: HookRequest, usage?: { input: number; output: number }) {
  const r = await hook.onRequest!(req);
  if (r && 'answer' in r) {
    const e = r.answer as RateLimitedError;
    return { status: e.status, message: e.message, limit: e.limit, headers: e.replyHeaders };
  }
  const context = r ? r.context : undefined;
  const headers = hook.onResponseHeaders?.({ status: 200, headers: {}, streaming: false }, req, context);
  if (usage) hook.onOutcome?.(fakeOutcome({ info: { usage: { ...usage, total: usage.input + usage.output } } }), context);
  return { admitted: true, headers };
}

describe('the rate-limits hook', () => {
  it('answers synchronously over a store that does, with the same answers as over a store that answers with promises', async () => {
    const clock = { t: T0 + 1_000 };
    const syncStore = new MemoryCounterStore();
    const sync = hookOver(syncStore, clock);
    const async = hookOver(new PromisedStore(new MemoryCounterStore()), clock);
    const req = fakeHookRequest({ caller: CALLER });

    const elsewhere = fakeHookRequest({ caller: { id: 'k9', project: 'team-z' } });
    expect(sync.onRequest!(elsewhere)).not.toBeInstanceOf(Promise);
    const promised = async.onRequest!(elsewhere);
    expect(promised).toBeInstanceOf(Promise);
    await promised;
    const runs: Array<Array<Awaited<ReturnType<typeof ask>>>> = [];
    for (const hook of [sync, async]) {
      const out: Array<Awaited<ReturnType<typeof ask>>> = [];
      for (let i = 0; i < 4; i++) {
        clock.t = T0 + 2_000 + i * 1_000;
        out.push(await ask(hook, req, { input: 40, output: 7 }));
      }
      clock.t = T0 + 61_000; // next bucket: a third of the last minute's count slid out
      out.push(await ask(hook, fakeHookRequest({ caller: { id: 'k2', project: 'team-a' } })));
      runs.push(out);
    }
    expect(runs[0]).toEqual(runs[1]);
    const [first, second, third, fourth, otherKey] = runs[0]!;
    expect(first).toEqual({
      admitted: true,
      headers: {
        set: [
          ['x-ratelimit-limit-requests', '3'],
          ['x-ratelimit-remaining-requests', '2'],
          ['x-ratelimit-reset-requests', '1m58s'], // back to 3 left once this minute's request slid out of the next one
          ['x-ratelimit-limit-tokens', '100'],
          ['x-ratelimit-remaining-tokens', '100'],
          ['x-ratelimit-reset-tokens', '0s'],
        ],
      },
    });
    expect(second).toMatchObject({ admitted: true });
    // 80 input tokens charged by the first two: the third still has room for one more token.
    expect(third).toMatchObject({ admitted: true, headers: { set: expect.arrayContaining([['x-ratelimit-remaining-tokens', '20']]) } });
    // Three requests this minute for k1 (the per-key limit), 120 tokens for the project: refused by the first limit that is full.
    expect(fourth).toMatchObject({ status: 429, limit: 'per-key', headers: { 'x-ratelimit-remaining-requests': '0', 'retry-after': '75', 'retry-after-ms': '75000' } });
    // Another key of the same project: its own request counter, but the project's 120 tokens (59/60 of them still in the window) are over 100.
    expect(otherKey).toMatchObject({ status: 429, limit: 'per-project-model' });
  });

  it('charges tokens only for requests it admitted and that the provider answered', async () => {
    const clock = { t: T0 + 1_000 };
    const store = new MemoryCounterStore();
    const hook = hookOver(store, clock);
    const r = hook.onRequest!(fakeHookRequest({ caller: CALLER })) as { context: unknown };
    hook.onOutcome!(fakeOutcome({ answeredBy: 'response-cache', info: { usage: { input: 50, output: 0 } } }), r.context);
    hook.onOutcome!(fakeOutcome({ info: { usage: { input: 30, output: 9 } } }), undefined);
    const key = 'per-project-model:t:team-a\u001fgpt-4o-mini';
    expect(await store.peek([key], clock.t)).toEqual([{ previous: 0, current: 0 }]);
    hook.onOutcome!(fakeOutcome({ info: { usage: { input: 30, output: 9 } } }), r.context);
    expect(await store.peek([key], clock.t)).toEqual([{ previous: 0, current: 30 }]);
  });

  it('applies a caller’s own limits in place of the config’s numbers, on the same counters', async () => {
    const clock = { t: T0 + 1_000 };
    const hook = hookOver(new MemoryCounterStore(), clock);
    const caller: Caller = { ...CALLER, rateLimits: { key: { requestsPerMinute: 1 }, project: { tokensPerMinute: 5000 } } };
    expect(await ask(hook, fakeHookRequest({ caller }))).toMatchObject({ admitted: true, headers: { set: expect.arrayContaining([['x-ratelimit-limit-requests', '1']]) } });
    expect(await ask(hook, fakeHookRequest({ caller }))).toMatchObject({ status: 429, limit: 'per-key' });
    // Without its own numbers the same key counts against the config's 3 on the same counter: 1 taken.
    expect(await ask(hook, fakeHookRequest({ caller: CALLER }))).toMatchObject({ admitted: true, headers: { set: expect.arrayContaining([['x-ratelimit-remaining-requests', '1']]) } });
  });

  it('lets requests without a limit that applies through without touching the store', async () => {
    const hook = hookOver(failingStore('throws'), { t: T0 }, 'closed');
    expect(hook.onRequest!(fakeHookRequest({ kind: 'listing', caller: CALLER }))).toBeUndefined();
    // No caller: nothing per key or project; a model outside gpt-*: not the gateway-wide limit.
    expect(hook.onRequest!(fakeHookRequest({ model: 'claude-sonnet-4-5' }))).toBeUndefined();
  });

  for (const how of ['throws', 'rejects'] as const) {
    it(`decides by the failure mode when the store ${how}`, async () => {
      const open = hookOver(failingStore(how), { t: T0 }, 'open');
      expect(await open.onRequest!(fakeHookRequest({ caller: CALLER }))).toBeUndefined();
      const closed = hookOver(failingStore(how), { t: T0 }, 'closed');
      await expect(Promise.resolve().then(() => closed.onRequest!(fakeHookRequest({ caller: CALLER })))).rejects.toMatchObject({ status: 503, code: 'rate_limit_unavailable' });
    });
  }
});
