import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCassette } from '../support/cassettes.js';
import { rawRequest } from './http-request.js';
import { findInteraction, splitEvents, startMockUpstream, type MockUpstream } from './mock-upstream.js';

const request = (body: string, path = '/v1/chat/completions', method = 'POST') => ({
  method,
  path,
  headers: {},
  body: Buffer.from(body),
});

describe('findInteraction', () => {
  const interactions = ['chat-basic', 'chat-streaming'].flatMap((n) => loadCassette(n).interactions);

  it('matches a JSON-equal body whatever the key order', () => {
    const body = JSON.stringify({ model: 'gpt-5-nano', messages: [{ role: 'user', content: 'Hello!' }] });
    expect(findInteraction(interactions, request(body))?.response.body).toMatch(/"object": "chat.completion"/);
    const streaming = JSON.stringify({ stream: true, model: 'gpt-5-nano', messages: [{ role: 'user', content: 'Hello!' }] });
    expect(findInteraction(interactions, request(streaming))?.response.body).toMatch(/^data: /);
  });

  it('falls back to path + model, and finds nothing for another path or method', () => {
    const other = JSON.stringify({ model: 'gpt-5-nano', messages: [{ role: 'user', content: 'Something else' }] });
    expect(findInteraction(interactions, request(other))).toBeDefined();
    expect(findInteraction(interactions, request(other, '/v1/embeddings'))).toBeUndefined();
    expect(findInteraction(interactions, request(other, '/v1/chat/completions', 'GET'))).toBeUndefined();
    expect(findInteraction(interactions, request('{"model":"unknown"}'))).toBeUndefined();
    const rewritten = JSON.stringify({ ...JSON.parse(other), stream: true, stream_options: { include_usage: true } });
    expect(findInteraction(interactions, request(rewritten))?.response.body).toMatch(/^data: /);
  });
});

describe('splitEvents', () => {
  it('splits at event boundaries into about the asked number of chunks, losing nothing', () => {
    const body = 'data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\ndata: [DONE]\n\n';
    const chunks = splitEvents(body, 3);
    expect(chunks.join('')).toBe(body);
    expect(chunks).toHaveLength(3);
    expect(chunks.every((c) => c.endsWith('\n\n'))).toBe(true);
  });
});

describe('startMockUpstream', () => {
  let up: MockUpstream;
  beforeAll(async () => {
    up = await startMockUpstream({ cassettes: ['chat-basic'] });
  });
  afterAll(() => up.close());

  it('replays the recorded response without hop-by-hop headers and records the request', async () => {
    const body = JSON.stringify({ model: 'gpt-5-nano', messages: [{ role: 'user', content: 'Hello!' }] });
    const res = await rawRequest(`${up.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
      chunks: [body],
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-request-id']).toBe('req_ff7b0a8af7a14d1bbe00df50025271ca');
    expect(res.headers['content-length']).toBe(String(res.body.length));
    expect((JSON.parse(res.text()) as { usage: { total_tokens: number } }).usage.total_tokens).toBe(385);
    expect(up.requests.at(-1)?.body.toString()).toBe(body);
  });

  it('answers 404 and records requests no cassette matches', async () => {
    const res = await rawRequest(`${up.url}/v1/nothing`, { method: 'POST', chunks: ['{}'] });
    expect(res.status).toBe(404);
    expect(up.unmatched.map((r) => r.path)).toEqual(['/v1/nothing']);
  });
});
