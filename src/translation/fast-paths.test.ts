import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anthropicTextDelta, converseTextDelta, geminiTextDelta, openAiTextDelta } from './fast-paths.js';
import { openAiChatTranslator } from './openai-chat-pairs.js';

const anyText = fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.constantFrom('', '"', '\\', '\n', '\u2028', '</script>', '\u0000'));

describe('text-delta fast paths', () => {
  it('find the text literal of every text an encoder may write (it decodes to the same text)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const lit = JSON.stringify(text);
        expect(anthropicTextDelta(JSON.stringify({ type: 'content_block_delta', index: 3, delta: { type: 'text_delta', text } }))).toBe(lit.slice(1, -1));
        const chunk = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', service_tier: 'default', system_fingerprint: null, choices: [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }], usage: null, obfuscation: 'x' };
        expect(openAiTextDelta(JSON.stringify(chunk))).toBe(lit);
        const gemini = { candidates: [{ content: { parts: [{ text }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 1 }, modelVersion: 'g' };
        expect(geminiTextDelta(JSON.stringify(gemini, null, 1))).toBe(lit);
        expect(converseTextDelta(JSON.stringify({ contentBlockIndex: 0, delta: { text }, p: 'abcdef' }))).toBe(lit);
        expect(JSON.parse(lit)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('leave everything else to the general path', () => {
    expect(anthropicTextDelta('{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{}"}}')).toBeUndefined();
    expect(anthropicTextDelta('{"index":0,"type":"content_block_delta","delta":{"type":"text_delta","text":"a"}}')).toBeUndefined();
    expect(anthropicTextDelta('{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\\x"}}')).toBeUndefined();
    expect(anthropicTextDelta('{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"},"extra":1}')).toBeUndefined();
    expect(openAiTextDelta('{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}]}')).toBeUndefined();
    expect(openAiTextDelta('{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}],"usage":{"prompt_tokens":1}}')).toBeUndefined();
    expect(openAiTextDelta('{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":1,"delta":{"content":"a"},"finish_reason":null}]}')).toBeUndefined();
    expect(converseTextDelta('{"contentBlockIndex":1,"delta":{"toolUse":{"input":"{}"}},"p":"ab"}')).toBeUndefined();
    expect(converseTextDelta('{"contentBlockIndex":0,"delta":{"text":"a","extra":1},"p":"ab"}')).toBeUndefined();
    expect(geminiTextDelta('{"candidates":[{"content":{"parts":[{"text":"a"}],"role":"model"},"finishReason":"STOP","index":0}]}')).toBeUndefined();
    expect(geminiTextDelta('{"candidates":[{"content":{"parts":[{"text":"a","thought":true}],"role":"model"},"index":0}]}')).toBeUndefined();
    expect(geminiTextDelta('{"candidates":[{"content":{"parts":[{"text":"a"},{"text":"b"}],"role":"model"},"index":0}]}')).toBeUndefined();
  });
});

describe('byte-level Anthropic text events', () => {
  it('give the same client bytes as the parsing path, for any texts', () => {
    const translator = openAiChatTranslator({ kind: 'anthropic' }, { now: () => 0, newId: () => 'p' });
    const req = translator.translate({ path: '/', headers: {}, body: Buffer.from('{"model":"m","messages":[{"role":"user","content":"hi"}]}') });
    if (!req.ok) throw new Error(req.body);
    const sse = (d: unknown): Buffer => Buffer.from(`event: ${(d as { type: string }).type}\ndata: ${JSON.stringify(d)}\n\n`);
    const feed = (chunks: Buffer[]): Buffer => {
      const rt = req.request.responseTranslator(200, { 'content-type': 'text/event-stream' });
      return Buffer.concat(chunks.map((c, i) => rt.push(c, i === chunks.length - 1)));
    };
    fc.assert(
      fc.property(fc.array(anyText, { minLength: 1, maxLength: 8 }), fc.boolean(), (texts, invalidUtf8) => {
        const events = [sse({ type: 'message_start', message: { id: 'msg', model: 'c', usage: { input_tokens: 1 } } })];
        for (const text of texts) events.push(sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }));
        if (invalidUtf8) events.push(Buffer.concat([Buffer.from('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a'), Buffer.of(0xc3, 0x28), Buffer.from('"}}\n\n')]));
        events.push(sse({ type: 'message_stop' }));
        const perEvent = feed(events);
        const perByte = feed([...Buffer.concat(events)].map((b) => Buffer.of(b)));
        expect(perEvent.equals(perByte)).toBe(true);
        expect(perEvent.toString().match(/"content":/g)?.length ?? 0).toBeGreaterThanOrEqual(texts.filter((t) => t !== '').length);
      }),
      { numRuns: 200 },
    );
  });
});
