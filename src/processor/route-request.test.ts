import { describe, expect, it } from 'vitest';
import { lazyRouteRequest } from './route-request.js';

const facts = { api: 'openai.chat_completions', model: 'gpt-4o', stream: false, method: 'POST', path: '/v1/chat/completions' };

describe('lazyRouteRequest', () => {
  it('parses the body once, on first use', () => {
    const r = lazyRouteRequest(facts, Buffer.from('{"model":"gpt-4o","user":"u1"}'));
    const first = r.body();
    expect(first).toEqual({ model: 'gpt-4o', user: 'u1' });
    expect(r.body()).toBe(first);
    expect(r.model).toBe('gpt-4o');
  });

  it('reads a missing, empty or non-JSON body as undefined', () => {
    expect(lazyRouteRequest(facts, undefined).body()).toBeUndefined();
    expect(lazyRouteRequest(facts, Buffer.alloc(0)).body()).toBeUndefined();
    expect(lazyRouteRequest(facts, Buffer.from('not json')).body()).toBeUndefined();
  });
});
