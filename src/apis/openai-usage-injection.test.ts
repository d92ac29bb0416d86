import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { injectIncludeUsage, isUsageOnlyEvent, UsageChunkStripper } from './openai-usage-injection.js';

const FIXTURES = new URL('../../../shared/fixtures/openai-recorded/', import.meta.url);

function fixture(name: string): { request: string; response: string } {
  const doc = parseYaml(readFileSync(fileURLToPath(new URL(name, FIXTURES)), 'utf8')) as {
    interactions: Array<{ request: { body: string }; response: { body: string } }>;
  };
  const i = doc.interactions[0]!;
  return { request: i.request.body, response: i.response.body };
}

const CHAT = fixture('chat-streaming-detailed-usage.yaml');
const COMPLETION = fixture('completion-streaming-usage.yaml');

/** What JSON.parse of the injected body must equal, or undefined when no change is expected. */
function expectedAfterInjection(original: string): unknown {
  const parsed = JSON.parse(original) as Record<string, unknown>;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || parsed['stream'] !== true) return undefined;
  const so = parsed['stream_options'];
  if (so === undefined || so === null) return { ...parsed, stream_options: { include_usage: true } };
  if (typeof so !== 'object' || Array.isArray(so)) return undefined;
  if ((so as Record<string, unknown>)['include_usage'] === true) return undefined;
  return { ...parsed, stream_options: { ...so, include_usage: true } };
}

function inject(text: string): string | undefined {
  return injectIncludeUsage(Buffer.from(text, 'utf8'))?.toString('utf8');
}

describe('injectIncludeUsage', () => {
  it('leaves recorded requests that already ask for usage unchanged', () => {
    expect(inject(CHAT.request)).toBeUndefined();
    expect(inject(COMPLETION.request)).toBeUndefined();
  });

  it('adds stream_options when absent, changing nothing else byte for byte', () => {
    const original = CHAT.request.replace(/,\s*"stream_options":\s*\{\s*"include_usage":\s*true\s*\}/, '');
    expect(original).not.toContain('stream_options');
    const out = inject(original)!;
    expect(JSON.parse(out)).toEqual(expectedAfterInjection(original));
    const close = original.lastIndexOf('}');
    expect(out.slice(0, close)).toBe(original.slice(0, close));
    expect(out.slice(close)).toBe(',"stream_options":{"include_usage":true}' + original.slice(close));
  });

  it.each([
    ['null', '{"model":"m","stream":true,"stream_options":null}', '{"model":"m","stream":true,"stream_options":{"include_usage":true}}'],
    ['empty object', '{"stream":true,"stream_options":{ }}', '{"stream":true,"stream_options":{ "include_usage":true}}'],
    ['other options', '{"stream":true,"stream_options":{"x":1}}', '{"stream":true,"stream_options":{"x":1,"include_usage":true}}'],
    ['explicit false', '{"stream":true,"stream_options":{"include_usage":false,"y":[1]}}', '{"stream":true,"stream_options":{"include_usage":true,"y":[1]}}'],
    ['include_usage null', '{"stream":true,"stream_options":{"include_usage":null}}', '{"stream":true,"stream_options":{"include_usage":true}}'],
    ['pretty-printed', '{\n  "stream": true\n}\n', '{\n  "stream": true\n,"stream_options":{"include_usage":true}}\n'],
    [
      'escaped key names',
      '{"str\\u0065am":true,"stream\\u005foptions":{"include\\u005fusage":false}}',
      '{"str\\u0065am":true,"stream\\u005foptions":{"include\\u005fusage":true}}',
    ],
    [
      'duplicate keys: the last one counts',
      '{"stream":true,"stream_options":{"include_usage":true},"stream_options":{"include_usage":false}}',
      '{"stream":true,"stream_options":{"include_usage":true},"stream_options":{"include_usage":true}}',
    ],
    [
      'strings holding braces and quotes',
      '{"messages":[{"content":"}{\\"stream_options\\":1]"}],"stream":true}',
      '{"messages":[{"content":"}{\\"stream_options\\":1]"}],"stream":true,"stream_options":{"include_usage":true}}',
    ],
  ])('sets the flag: %s', (_name, input, output) => {
    expect(inject(input)).toBe(output);
    expect(JSON.parse(output)).toEqual(expectedAfterInjection(input));
  });

  it.each([
    ['not streaming', '{"model":"m","stream":false}'],
    ['no stream key', '{"model":"m"}'],
    ['stream as a string', '{"stream":"true"}'],
    ['last duplicate stream is false', '{"stream":true,"stream":false}'],
    ['flag already true', '{"stream":true,"stream_options":{"include_usage":true}}'],
    ['stream_options not an object', '{"stream":true,"stream_options":"x"}'],
    ['an array', '[{"stream":true}]'],
    ['truncated', '{"stream":true,"messages":[1,2'],
    ['trailing data', '{"stream":true} {}'],
    ['empty', ''],
  ])('returns undefined: %s', (_name, input) => {
    expect(inject(input)).toBeUndefined();
  });

  it('agrees with JSON.parse on random request bodies', () => {
    const streamOptions = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.jsonValue(),
      fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
      fc.record({ include_usage: fc.oneof(fc.boolean(), fc.constant(null)) }),
      fc.tuple(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }), fc.boolean()).map(([d, b]) => ({ ...d, include_usage: b })),
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 6 }),
        fc.oneof(fc.constant(true), fc.jsonValue()),
        streamOptions,
        fc.constantFrom(undefined, 2, '\t'),
        (rest, stream, so, indent) => {
          const body: Record<string, unknown> = { ...rest, stream };
          if (so !== undefined) body['stream_options'] = so;
          const text = JSON.stringify(body, null, indent);
          const expected = expectedAfterInjection(text);
          const out = inject(text);
          if (expected === undefined) expect(out).toBeUndefined();
          else expect(JSON.parse(out!)).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** The body minus the usage-only event, computed by text search rather than by parsing SSE. */
function withoutUsageEvent(body: string, nl: string): string {
  const line = body.split(nl).find((l) => l.includes('"choices":[]') && l.includes('"usage":{'))!;
  expect(line).toBeDefined();
  const event = line + nl + nl;
  expect(body).toContain(event);
  return body.replace(event, '');
}

function variants(body: string): Array<{ name: string; body: string; nl: string }> {
  return [
    { name: 'LF', body, nl: '\n' },
    { name: 'CRLF', body: body.replace(/\n/g, '\r\n'), nl: '\r\n' },
    { name: 'CR', body: body.replace(/\n/g, '\r'), nl: '\r' },
    { name: 'data: without space', body: body.replace(/^data: /gm, 'data:'), nl: '\n' },
  ];
}

function runStripper(input: Buffer, cuts: number[]): Buffer {
  const points = [...new Set(cuts.map((c) => Math.floor(c * input.length)))].sort((a, b) => a - b);
  const s = new UsageChunkStripper();
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, input.length]) {
    out.push(s.push(input.subarray(prev, p)));
    prev = p;
  }
  out.push(s.end());
  return Buffer.concat(out);
}

describe('UsageChunkStripper', () => {
  for (const [fixtureName, body] of [
    ['chat-streaming-detailed-usage', CHAT.response],
    ['completion-streaming-usage', COMPLETION.response],
  ] as const) {
    for (const v of variants(body)) {
      it(`removes exactly the usage event from ${fixtureName} (${v.name}), however it is split`, () => {
        const input = Buffer.from(v.body, 'utf8');
        const expected = Buffer.from(withoutUsageEvent(v.body, v.nl), 'utf8');
        expect(expected.length).toBeLessThan(input.length);
        fc.assert(
          fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 60 }), (cuts) => {
            expect(runStripper(input, cuts).equals(expected)).toBe(true);
          }),
          { numRuns: 300 },
        );
      });
    }
  }

  it('passes a stream without a usage chunk through unchanged, byte by byte', () => {
    const body = Buffer.from(CHAT.response.split('\n').filter((l) => !l.includes('"choices":[]')).join('\n'), 'utf8');
    const s = new UsageChunkStripper();
    const out = Buffer.concat([...[...body].map((b) => s.push(Buffer.from([b]))), s.end()]);
    expect(out.equals(body)).toBe(true);
    expect(s.stripped).toBe(0);
  });

  it('holds back only the incomplete trailing event', () => {
    const s = new UsageChunkStripper();
    expect(s.push(Buffer.from('data: {"a":1}\n\ndata: {"b"')).toString()).toBe('data: {"a":1}\n\n');
    expect(s.push(Buffer.from(':2}\n')).toString()).toBe('');
    expect(s.push(Buffer.from('\n')).toString()).toBe('data: {"b":2}\n\n');
    // A CRLF blank line split between chunks.
    expect(s.push(Buffer.from('data: {"c":3}\r\n\r')).toString()).toBe('');
    expect(s.push(Buffer.from('\ndata: x')).toString()).toBe('data: {"c":3}\r\n\r\n');
    expect(s.end().toString()).toBe('data: x');
  });

  it('removes a usage event that ends the stream without a blank line', () => {
    const s = new UsageChunkStripper();
    const out = s.push(Buffer.from('data: {"choices":[{"delta":{}}]}\n\ndata: {"choices":[],"usage":{"total_tokens":3}}'));
    expect(Buffer.concat([out, s.end()]).toString()).toBe('data: {"choices":[{"delta":{}}]}\n\n');
    expect(s.stripped).toBe(1);
  });
});

describe('isUsageOnlyEvent', () => {
  it.each([
    ['data: {"choices":[],"usage":{"prompt_tokens":1}}\n\n', true],
    ['data:{"choices":[],"usage":{}}\r\n\r\n', true],
    ['event: message\ndata: {"choices":[],\ndata: "usage":{"a":1}}\n\n', true],
    ['data: {"choices":[],"\\u0075sage":{"a":1}}\n\n', true],
    ['data: {"choices":[],"usage":null}\n\n', false],
    ['data: {"choices":[{"index":0}],"usage":{"a":1}}\n\n', false],
    ['data: {"usage":{"a":1}}\n\n', false],
    ['data: {"choices":[],"usage":[1]}\n\n', false],
    ['data: [DONE]\n\n', false],
    [': comment usage\n\n', false],
    ['data: {"choices":[],"usage":{"a":\n\n', false],
  ])('%j → %s', (event, expected) => {
    expect(isUsageOnlyEvent(Buffer.from(event))).toBe(expected);
  });
});
