/**
 * The soak's request mix: which kind request number `i` is, and the ext_proc messages of each
 * kind, as Envoy sends them for the client API (OpenAI chat JSON and streaming, Anthropic
 * Messages, Gemini generateContent, a model no rule serves), plus the two abrupt endings: a
 * client cancel after the request-headers reply, and a reset that arrives in the same write as
 * the stream's first messages.
 */
import type { OutboundMessage } from '../test/harness/wire.js';
import { chatRequestBody } from './bodies.js';
import { streamingScript, chatScript } from './scripts.js';
import type { ScriptStep } from './exchange.js';

/** Kinds of soak request. */
export type SoakKind = 'openai-json' | 'openai-stream' | 'anthropic' | 'gemini' | 'no-rule' | 'cancel' | 'reset';

/** Shares of each kind, per 100 requests (in order). */
export const SOAK_MIX: ReadonlyArray<readonly [SoakKind, number]> = [
  ['openai-json', 38],
  ['openai-stream', 20],
  ['anthropic', 15],
  ['gemini', 10],
  ['no-rule', 7],
  ['cancel', 6],
  ['reset', 4],
];

const TABLE: SoakKind[] = SOAK_MIX.flatMap(([kind, n]) => Array<SoakKind>(n).fill(kind));

/** The kind of request `i` (deterministic; the kinds interleave rather than run in blocks). */
export function soakKind(i: number): SoakKind {
  // A stride coprime with 100 spreads each kind over the whole cycle.
  return TABLE[(i * 37) % TABLE.length]!;
}

function headerMap(headers: Record<string, string>): { headers: Array<{ key: string; rawValue: Buffer }> } {
  return { headers: Object.entries(headers).map(([key, value]) => ({ key, rawValue: Buffer.from(value, 'latin1') })) };
}

function requestHeaders(path: string, length: number, extra: Record<string, string> = {}): OutboundMessage {
  return {
    requestHeaders: {
      headers: headerMap({
        ':authority': 'gateway.example.com',
        ':path': path,
        ':method': 'POST',
        ':scheme': 'https',
        'content-type': 'application/json',
        'content-length': String(length),
        ...extra,
      }),
      endOfStream: false,
    },
    protocolConfig: { requestBodyMode: 'BUFFERED', responseBodyMode: 'BUFFERED' },
  };
}

function jsonResponse(body: Buffer): ScriptStep[] {
  return [
    { label: 'responseHeaders', message: { responseHeaders: { headers: headerMap({ ':status': '200', 'content-type': 'application/json', 'content-length': String(body.length) }), endOfStream: false } } },
    { label: 'responseBody', message: { responseBody: { body, endOfStream: true } } },
  ];
}

function anthropicScript(): ScriptStep[] {
  const body = Buffer.from(JSON.stringify({ model: 'claude-3-5-haiku-latest', max_tokens: 256, messages: [{ role: 'user', content: 'Summarise the plot of Hamlet in two sentences.' }] }));
  const response = Buffer.from(
    JSON.stringify({
      id: 'msg_bench',
      type: 'message',
      role: 'assistant',
      model: 'claude-3-5-haiku-20241022',
      content: [{ type: 'text', text: 'A prince avenges his father. Nearly everyone dies.' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 21, output_tokens: 14, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    }),
  );
  return [
    { label: 'requestHeaders', message: requestHeaders('/v1/messages', body.length, { 'anthropic-version': '2023-06-01' }) },
    { label: 'requestBody', message: { requestBody: { body, endOfStream: true } } },
    ...jsonResponse(response),
  ];
}

function geminiScript(): ScriptStep[] {
  const body = Buffer.from(JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Name three prime numbers.' }] }] }));
  const response = Buffer.from(
    JSON.stringify({
      candidates: [{ content: { role: 'model', parts: [{ text: '2, 3 and 5.' }] }, finishReason: 'STOP' }],
      usageMetadata: { promptTokenCount: 6, candidatesTokenCount: 7, totalTokenCount: 13 },
      modelVersion: 'gemini-2.0-flash',
    }),
  );
  return [
    { label: 'requestHeaders', message: requestHeaders('/v1beta/models/gemini-2.0-flash:generateContent', body.length) },
    { label: 'requestBody', message: { requestBody: { body, endOfStream: true } } },
    ...jsonResponse(response),
  ];
}

function noRuleScript(): ScriptStep[] {
  const body = Buffer.from(JSON.stringify({ model: 'mistral-large-latest', messages: [{ role: 'user', content: 'hi' }] }));
  // Answered with a 404 immediate response at the body: the exchange stops there.
  return [
    { label: 'requestHeaders', message: requestHeaders('/v1/chat/completions', body.length) },
    { label: 'requestBody', message: { requestBody: { body, endOfStream: true } } },
  ];
}

/** The scripts of every kind, built once. */
export interface SoakScripts {
  readonly exchanges: Readonly<Record<'openai-json' | 'openai-stream' | 'anthropic' | 'gemini' | 'no-rule', ScriptStep[]>>;
  /** What a cancelled request sends before the client cancels (request headers, then the cancel). */
  readonly cancelFirst: OutboundMessage;
  /** What a reset request sends in the same write as its RST_STREAM. */
  readonly resetMessages: readonly OutboundMessage[];
}

/** Builds the soak's scripts. */
export function soakScripts(): SoakScripts {
  const resetBody = chatRequestBody(4096);
  return {
    exchanges: {
      'openai-json': chatScript(1024),
      'openai-stream': streamingScript(20),
      anthropic: anthropicScript(),
      gemini: geminiScript(),
      'no-rule': noRuleScript(),
    },
    cancelFirst: chatScript(1024)[0]!.message,
    resetMessages: [requestHeaders('/v1/chat/completions', resetBody.length), { requestBody: { body: resetBody, endOfStream: true } }],
  };
}
