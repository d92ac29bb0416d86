import { describe, expect, it } from 'vitest';
import { flatHeaders, headerValue, listCassettes, loadCassette } from './cassettes.js';

describe('cassette loader', () => {
  it('lists the recorded cassettes by name', () => {
    const names = listCassettes();
    expect(names).toContain('chat-basic');
    expect(names).toContain('chat-streaming');
    expect(names.every((n) => !n.endsWith('.yaml'))).toBe(true);
    expect([...names].sort()).toEqual(names);
  });

  it('loads request and response of an interaction', () => {
    const c = loadCassette('chat-basic');
    expect(c.name).toBe('chat-basic');
    const { request, response } = c.interactions[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('https://api.openai.com/v1/chat/completions');
    expect(JSON.parse(request.body)).toMatchObject({ model: 'gpt-5-nano' });
    expect(headerValue(request.headers, 'content-type')).toBe('application/json');
    expect(response.status).toBe(200);
    expect(response.statusText).toBe('200 OK');
    expect(JSON.parse(response.body)).toMatchObject({ object: 'chat.completion' });
  });

  it('keeps SSE bodies with their blank lines', () => {
    const { response } = loadCassette('chat-streaming').interactions[0]!;
    expect(headerValue(response.headers, 'Content-Type')).toMatch(/^text\/event-stream/);
    expect(response.body).toMatch(/\n\ndata: \[DONE\]\n/);
  });

  it('flattens headers to lower-case names', () => {
    const { response } = loadCassette('chat-unknown-model').interactions[0]!;
    const h = flatHeaders(response.headers);
    expect(h['content-type']).toBe('application/json; charset=utf-8');
    expect(response.status).toBe(404);
  });

  it('fails with the cassette name for a missing file', () => {
    expect(() => loadCassette('no-such-cassette')).toThrow(/no-such-cassette/);
  });
});
