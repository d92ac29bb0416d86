import { describe, expect, it } from 'vitest';
import { continueReply } from './replies.js';
import { nextTraceparent, parseTraceparent, RequestIds } from './request-ids.js';

const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it('parses valid values and refuses invalid ones', () => {
    expect(parseTraceparent(CALLER)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7', flags: '01' });
    for (const bad of [
      undefined,
      '',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      `${CALLER}-extra`,
    ]) {
      expect(parseTraceparent(bad), String(bad)).toBeUndefined();
    }
    // a future version may carry more fields
    expect(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz')?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it("continues the caller's trace with a new parent id, or starts one", () => {
    const next = nextTraceparent(CALLER);
    expect(next.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    const parsed = parseTraceparent(next.traceparent)!;
    expect(parsed.traceId).toBe(next.traceId);
    expect(parsed.parentId).not.toBe('00f067aa0ba902b7');
    expect(parsed.flags).toBe('01');
    const fresh = nextTraceparent('garbage');
    expect(parseTraceparent(fresh.traceparent)?.traceId).toBe(fresh.traceId);
    expect(fresh.traceId).not.toBe(next.traceId);
  });
});

describe('RequestIds', () => {
  it("keeps Envoy's request id; trace id from the configured header first", () => {
    const ids = new RequestIds({ 'x-request-id': 'envoy-1', 'x-session': 'S', traceparent: CALLER }, 'x-session');
    ids.readBody(Buffer.from('{"user":"u"}'));
    expect(ids.requestId).toBe('envoy-1');
    expect(ids.traceId).toBe('S');
  });

  it('falls back to the body session, then the W3C trace id; generates a request id', () => {
    const a = new RequestIds({ traceparent: CALLER }, 'x-session', () => 'gen-1');
    expect(a.requestId).toBe('gen-1');
    expect(a.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    a.readBody(Buffer.from('{"metadata":{"user_id":"sess"}}'));
    expect(a.traceId).toBe('sess');
  });

  it("takes the body parser's session id without scanning the body again; null means none", () => {
    const a = new RequestIds({ traceparent: CALLER }, undefined);
    a.readBody(Buffer.from('{"user":"in-body"}'), 'from-parser');
    expect(a.traceId).toBe('from-parser');
    const b = new RequestIds({ traceparent: CALLER }, undefined);
    b.readBody(Buffer.from('{"user":"in-body"}'), null);
    expect(b.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('sets traceparent (and a generated request id) upstream, echoes the request id on responses and local replies', () => {
    const ids = new RequestIds({}, undefined, () => 'gen-2');
    const [req] = ids.decorate([continueReply('requestHeaders', { headers: { set: [['a', 'b']], remove: ['x-request-id', 'c'] } })]);
    expect(req).toMatchObject({ headers: { set: [['a', 'b'], ['traceparent', ids.traceparent], ['x-request-id', 'gen-2']], remove: ['c'] } });
    const [res] = ids.decorate([continueReply('responseHeaders')]);
    expect(res).toMatchObject({ headers: { set: [['x-request-id', 'gen-2']] } });
    const [body] = ids.decorate([continueReply('responseBody')]);
    expect(body).toEqual(continueReply('responseBody'));
    const [local] = ids.decorate([{ kind: 'immediate', status: 429, headers: [['content-type', 'application/json']], body: '{}', details: 'x' }]);
    expect(local).toMatchObject({ headers: [['content-type', 'application/json'], ['x-request-id', 'gen-2']] });
  });

  it("does not send Envoy's own request id back upstream", () => {
    const ids = new RequestIds({ 'x-request-id': 'envoy-2' }, undefined);
    const [req] = ids.decorate([continueReply('requestHeaders')]);
    expect(req).toMatchObject({ headers: { set: [['traceparent', ids.traceparent]] } });
  });
});
