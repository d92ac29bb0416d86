/**
 * Property: however a provider stream is cut into body chunks, the client receives the same
 * bytes; and output follows input (each completed provider event is translated before the
 * stream ends), so no stream is buffered whole.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCassette } from '../../test/support/cassettes.js';
import { providerFixture, providerJson } from '../../test/support/provider-fixtures.js';
import { converseStream, invokeStream, runTranslator, splitAt } from '../../test/support/translation-streams.js';
import { type RecordedAwsEvent, translationFixture, translationJson } from '../../test/support/translation-fixtures.js';
import { anthropicTranslator } from './anthropic-pairs.js';
import type { PairTranslator, ResponseTranslator } from './contract.js';
import { openAiChatTranslator } from './openai-chat-pairs.js';

const env = { now: () => 1_700_000_000_000, newId: () => 'fixed' };
const SSE = 'text/event-stream';
const AWS = 'application/vnd.amazon.eventstream';

function factory(t: PairTranslator, contentType: string): () => ResponseTranslator {
  const body = t.client === 'openai-chat' ? { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true } : { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }], stream: true };
  return () => {
    const out = t.translate({ path: '/', headers: {}, body: Buffer.from(JSON.stringify(body)) });
    if (!out.ok) throw new Error(out.body);
    return out.request.responseTranslator(200, { 'content-type': contentType });
  };
}

const CASES: ReadonlyArray<readonly [string, () => ResponseTranslator, Buffer]> = [
  ['Anthropic SSE (CRLF, tools) → OpenAI', factory(openAiChatTranslator({ kind: 'anthropic' }, env), SSE), providerFixture('anthropic-message-stream-tools.txt')],
  ['Anthropic SSE → OpenAI', factory(openAiChatTranslator({ kind: 'vertex-anthropic', vertex: { project: 'p', region: 'r' } }, env), SSE), providerFixture('anthropic-message-stream.txt')],
  ['Bedrock InvokeModel stream → OpenAI', factory(openAiChatTranslator({ kind: 'bedrock-anthropic' }, env), AWS), invokeStream(providerJson<unknown[]>('bedrock-invoke-anthropic-stream.events.json'))],
  ['ConverseStream (tools) → OpenAI', factory(openAiChatTranslator({ kind: 'bedrock-converse' }, env), AWS), converseStream(translationJson('converse-stream-tools.events.json'))],
  ['ConverseStream → OpenAI', factory(openAiChatTranslator({ kind: 'bedrock-converse' }, env), AWS), converseStream(providerJson<RecordedAwsEvent[]>('bedrock-converse-stream.events.json'))],
  ['Gemini SSE (tools) → OpenAI', factory(openAiChatTranslator({ kind: 'gemini' }, env), SSE), translationFixture('gemini-stream-tools.sse.txt')],
  ['Gemini SSE (CRLF) → OpenAI', factory(openAiChatTranslator({ kind: 'gemini' }, env), SSE), providerFixture('gemini-stream.sse.txt')],
  ['OpenAI SSE (tools) → Anthropic', factory(anthropicTranslator({ kind: 'openai' }, env), SSE), translationFixture('openai-chat-stream-tools.txt')],
  ['recorded OpenAI stream → Anthropic', factory(anthropicTranslator({ kind: 'openai' }, env), SSE), Buffer.from(loadCassette('chat-streaming').interactions[0]!.response.body)],
  ['Bedrock InvokeModel stream → Anthropic SSE', factory(anthropicTranslator({ kind: 'bedrock-anthropic' }, env), AWS), invokeStream(providerJson<unknown[]>('bedrock-invoke-anthropic-stream.events.json'))],
];

describe.each(CASES)('%s', (_name, make, provider) => {
  const whole = runTranslator(make(), [provider]);

  it('translates the stream (non-trivially)', () => {
    expect(whole.length).toBeGreaterThan(100);
  });

  it('gives the same client bytes for any split', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: provider.length - 1 }), { maxLength: 40 }), (cuts) => {
        expect(runTranslator(make(), splitAt(provider, cuts)).equals(whole)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('gives the same client bytes one byte at a time', () => {
    expect(runTranslator(make(), [...provider].map((b) => Uint8Array.of(b))).equals(whole)).toBe(true);
  });

  it('writes output while the stream is still open (nothing is held until the end)', () => {
    const rt = make();
    const half = Math.floor(provider.length * 0.7);
    const early = rt.push(provider.subarray(0, half), false);
    expect(early.length).toBeGreaterThan(0);
    expect(Buffer.concat([early, rt.push(provider.subarray(half), true)]).equals(whole)).toBe(true);
  });
});
