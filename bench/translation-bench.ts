/**
 * `npm run bench:translation`: per streamed chunk, the CPU of translating a provider stream for
 * the client (src/translation) against the CPU of reading usage from the same chunks with the
 * service's existing parser for that provider (src/apis) — the baseline, measured in the same
 * run. Target: ratio ≤ 2. Streams are synthetic but in each provider's documented shape: one
 * text delta per chunk (the common case), a tool call, usage at the end.
 *
 * Writes `bench/translation-results.json` and prints a table.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import type { ApiSpec } from '../src/apis/api.js';
import { anthropicMessages } from '../src/apis/anthropic-messages.js';
import { bedrockConverse, bedrockInvoke } from '../src/apis/bedrock.js';
import { geminiGenerateContent } from '../src/apis/gemini.js';
import { openAiChatCompletions } from '../src/apis/openai-chat-completions.js';
import { anthropicTranslator } from '../src/translation/anthropic-pairs.js';
import type { PairTranslator } from '../src/translation/contract.js';
import { openAiChatTranslator } from '../src/translation/openai-chat-pairs.js';
import { timePair } from './timing.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const env = { now: () => 1_700_000_000_000, newId: () => 'bench' };
const WORDS = ['The', ' quick', ' brown', ' fox', ' jumps', ' over', ' the', ' lazy', ' dog', '.', ' Über', ' "quoted"', ' naïve', '\n'];

function awsFrame(eventType: string, payload: unknown): Buffer {
  return Buffer.from(
    codec.encode({
      headers: {
        ':event-type': { type: 'string', value: eventType },
        ':content-type': { type: 'string', value: 'application/json' },
        ':message-type': { type: 'string', value: 'event' },
      },
      body: Buffer.from(JSON.stringify(payload)),
    }),
  );
}

const sse = (event: string | undefined, data: unknown): Buffer => Buffer.from(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
const word = (i: number): string => WORDS[i % WORDS.length]!;

function anthropicEvents(n: number): unknown[] {
  const out: unknown[] = [
    { type: 'message_start', message: { id: 'msg_bench', type: 'message', role: 'assistant', model: 'claude-sonnet-4', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1200, cache_read_input_tokens: 1000, output_tokens: 1 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  ];
  for (let i = 0; i < n; i++) out.push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: word(i) } });
  out.push(
    { type: 'content_block_stop', index: 0 },
    { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_b', name: 'get_weather', input: {} } },
    { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"location":"Paris"}' } },
    { type: 'content_block_stop', index: 1 },
    { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: n } },
    { type: 'message_stop' },
  );
  return out;
}

/** Provider streams, one event per chunk. */
function streams(n: number): Record<string, Buffer[]> {
  const anthropic = anthropicEvents(n);
  const converse: Buffer[] = [awsFrame('messageStart', { role: 'assistant', p: 'abcd' })];
  for (let i = 0; i < n; i++) converse.push(awsFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: word(i) }, p: 'abcdefgh' }));
  converse.push(
    awsFrame('contentBlockStop', { contentBlockIndex: 0, p: 'ab' }),
    awsFrame('messageStop', { stopReason: 'end_turn', p: 'abc' }),
    awsFrame('metadata', { usage: { inputTokens: 200, outputTokens: n, totalTokens: 200 + n, cacheReadInputTokens: 1000 }, metrics: { latencyMs: 900 }, p: 'abcdef' }),
  );
  const gemini: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    gemini.push(
      sse(undefined, {
        candidates: [{ content: { parts: [{ text: word(i) }], role: 'model' }, index: 0, ...(i === n - 1 ? { finishReason: 'STOP' } : {}) }],
        usageMetadata: { promptTokenCount: 1200, candidatesTokenCount: i + 1, totalTokenCount: 1201 + i, cachedContentTokenCount: 1000 },
        modelVersion: 'gemini-2.5-flash',
        responseId: 'bench',
      }),
    );
  }
  const chunk = (delta: unknown, finish: string | null = null): unknown => ({ id: 'chatcmpl-b', object: 'chat.completion.chunk', created: 1, model: 'qwen', choices: [{ index: 0, delta, finish_reason: finish }], usage: null });
  const openai: Buffer[] = [sse(undefined, chunk({ role: 'assistant', content: '' }))];
  for (let i = 0; i < n; i++) openai.push(sse(undefined, chunk({ content: word(i) })));
  openai.push(sse(undefined, chunk({}, 'stop')), sse(undefined, { id: 'chatcmpl-b', object: 'chat.completion.chunk', created: 1, model: 'qwen', choices: [], usage: { prompt_tokens: 1200, completion_tokens: n, total_tokens: 1200 + n, prompt_tokens_details: { cached_tokens: 1000 } } }), Buffer.from('data: [DONE]\n\n'));
  return {
    anthropic: anthropic.map((e) => sse((e as { type: string }).type, e)),
    invoke: anthropic.map((e) => awsFrame('chunk', { bytes: Buffer.from(JSON.stringify(e)).toString('base64') })),
    converse,
    gemini,
    openai,
  };
}

interface Case {
  readonly name: string;
  readonly translator: PairTranslator;
  readonly stream: string;
  readonly contentType: string;
  /** The existing usage reader of the provider's API (the baseline). */
  readonly usageReader: ApiSpec;
}

const CASES: readonly Case[] = [
  { name: 'Anthropic SSE → OpenAI chunks', translator: openAiChatTranslator({ kind: 'anthropic' }, env), stream: 'anthropic', contentType: 'text/event-stream', usageReader: anthropicMessages },
  { name: 'Bedrock InvokeModel (Claude) → OpenAI chunks', translator: openAiChatTranslator({ kind: 'bedrock-anthropic' }, env), stream: 'invoke', contentType: 'application/vnd.amazon.eventstream', usageReader: bedrockInvoke },
  { name: 'Bedrock ConverseStream → OpenAI chunks', translator: openAiChatTranslator({ kind: 'bedrock-converse' }, env), stream: 'converse', contentType: 'application/vnd.amazon.eventstream', usageReader: bedrockConverse },
  { name: 'Gemini SSE → OpenAI chunks', translator: openAiChatTranslator({ kind: 'gemini' }, env), stream: 'gemini', contentType: 'text/event-stream', usageReader: geminiGenerateContent },
  { name: 'OpenAI SSE → Anthropic events', translator: anthropicTranslator({ kind: 'openai' }, env), stream: 'openai', contentType: 'text/event-stream', usageReader: openAiChatCompletions },
  { name: 'Bedrock InvokeModel → Anthropic SSE', translator: anthropicTranslator({ kind: 'bedrock-anthropic' }, env), stream: 'invoke', contentType: 'application/vnd.amazon.eventstream', usageReader: bedrockInvoke },
];

/** One measured case. */
export interface TranslationTiming {
  readonly scenario: string;
  readonly chunks: number;
  /** ns per chunk: translation. */
  readonly translateNs: number;
  /** ns per chunk: the existing usage reader on the same chunks. */
  readonly usageNs: number;
  readonly ratio: number;
}

/** Times every case on streams of `n` text deltas. */
export function timeTranslation(n = 2000, opts: { rounds?: number; batchMs?: number } = {}): TranslationTiming[] {
  const all = streams(n);
  return CASES.map((c) => {
    const chunks = all[c.stream]!;
    const body = c.translator.client === 'openai-chat' ? { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true } : { model: 'm', max_tokens: 9, messages: [{ role: 'user', content: 'hi' }], stream: true };
    const outcome = c.translator.translate({ path: '/', headers: {}, body: Buffer.from(JSON.stringify(body)) });
    if (!outcome.ok) throw new Error(outcome.body);
    const request = outcome.request;
    const translate = (): number => {
      const rt = request.responseTranslator(200, { 'content-type': c.contentType });
      let bytes = 0;
      for (let i = 0; i < chunks.length; i++) bytes += rt.push(chunks[i]!, i === chunks.length - 1).length;
      return bytes;
    };
    const readUsage = (): number | undefined => {
      const p = c.usageReader.newResponseParser({ stream: true, contentType: c.contentType });
      for (const chunk of chunks) p.push(chunk);
      return p.end().usage.output;
    };
    if (translate() === 0 || readUsage() === undefined) throw new Error(`${c.name}: nothing translated or no usage read`);
    const t = timePair(translate, readUsage, opts);
    return { scenario: c.name, chunks: chunks.length, translateNs: t.aNs / chunks.length, usageNs: t.bNs / chunks.length, ratio: t.aNs / t.bNs };
  });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes('--quick');
  const rows = timeTranslation(quick ? 500 : 2000, quick ? { rounds: 3, batchMs: 50 } : {});
  const lines = ['| scenario | chunks | translate ns/chunk | usage read ns/chunk | ratio (target ≤ 2) |', '|---|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.scenario} | ${r.chunks} | ${r.translateNs.toFixed(0)} | ${r.usageNs.toFixed(0)} | ${r.ratio.toFixed(2)}${r.ratio <= 2 ? '' : ' (over)'} |`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (!quick) writeFileSync(fileURLToPath(new URL('../../../translation-results.json', import.meta.url)), `${JSON.stringify({ node: process.version, date: new Date().toISOString(), rows }, null, 2)}\n`);
}
