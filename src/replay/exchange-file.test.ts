import { describe, expect, it } from 'vitest';
import { ExchangeFileError, parseCassetteExchanges, parseExchangeFile, parseJsonlExchanges } from './exchange-file.js';

describe('parseJsonlExchanges', () => {
  it('reads one exchange per line, JSON bodies as their text, skipping blanks and comments', () => {
    const text = [
      '# sample',
      JSON.stringify({
        request: { path: '/v1/chat/completions', headers: { 'Content-Type': 'application/json', Host: 'api.example' }, body: { model: 'gpt-4o' } },
        response: { status: 200, headers: { 'content-type': ['application/json'] }, body: '{"ok":true}' },
      }),
      '',
      JSON.stringify({ request: { method: 'GET', url: 'https://api.openai.com/v1/models?x=1' }, response: { status: 404 } }),
    ].join('\n');
    const [a, b] = parseJsonlExchanges(text, 'x.jsonl');
    expect(a!.source).toBe('x.jsonl:2');
    expect(a!.request).toMatchObject({ method: 'POST', path: '/v1/chat/completions', authority: 'api.example', headers: [['content-type', 'application/json']] });
    expect(a!.request.body.toString()).toBe('{"model":"gpt-4o"}');
    expect(a!.response.headers).toEqual([['content-type', 'application/json']]);
    expect(a!.response.body.toString()).toBe('{"ok":true}');
    expect(b!.source).toBe('x.jsonl:4');
    expect(b!.request).toMatchObject({ method: 'GET', path: '/v1/models?x=1', authority: 'api.openai.com' });
    expect(b!.request.body.length).toBe(0);
  });

  it('names file, line and field of a bad line', () => {
    expect(() => parseJsonlExchanges('{"request":{"path":"/v1"},"response":{}}', 'f.jsonl')).toThrow(/^f\.jsonl:1: response\.status: /);
    expect(() => parseJsonlExchanges('\n{oops', 'f.jsonl')).toThrow(/^f\.jsonl:2: not JSON/);
    expect(() => parseJsonlExchanges('{"request":{},"response":{"status":200}}', 'f.jsonl')).toThrow(/request needs a path or a url/);
    expect(() => parseJsonlExchanges('{"request":{"url":"::"},"response":{"status":200}}', 'f.jsonl')).toThrow(ExchangeFileError);
  });
});

describe('parseCassetteExchanges', () => {
  const cassette = `
version: 2
interactions:
  - request:
      url: https://api.openai.com/v1/chat/completions
      method: POST
      headers: { Content-Type: [application/json], Accept-Encoding: [gzip] }
      body: '{"model":"gpt-5-nano"}'
    response:
      code: 200
      headers: { Content-Type: [text/event-stream] }
      body: "data: {}\\n\\n"
`;
  it('reads recorded interactions', () => {
    const [e] = parseCassetteExchanges(cassette, 'c.yaml');
    expect(e!.source).toBe('c.yaml#0');
    expect(e!.request).toMatchObject({ method: 'POST', path: '/v1/chat/completions', authority: 'api.openai.com' });
    expect(e!.request.headers).toContainEqual(['accept-encoding', 'gzip']);
    expect(e!.response.status).toBe(200);
    expect(e!.response.body.toString()).toBe('data: {}\n\n');
  });

  it('is chosen by the .yaml extension, and refuses YAML without interactions', () => {
    expect(parseExchangeFile(cassette, 'c.yml')).toHaveLength(1);
    expect(() => parseExchangeFile('a: 1', 'p.yaml')).toThrow('p.yaml: no interactions list');
    expect(() => parseExchangeFile('interactions: [{ request: {} }]', 'p.yaml')).toThrow('p.yaml#0: interaction lacks');
  });
});
