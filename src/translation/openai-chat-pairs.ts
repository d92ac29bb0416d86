/**
 * OpenAI Chat Completions clients served by Anthropic (API, Vertex AI, Bedrock InvokeModel),
 * Bedrock Converse, Gemini (AI Studio, Vertex AI) and Azure OpenAI backends.
 */
import { randomUUID } from 'node:crypto';
import type { PairTranslator, RequestInput, RequestOutcome, ResponseTranslator, TranslationEnv, TranslationTarget } from './contract.js';
import { type ResponseContext, AnthropicToOpenAiStream, anthropicMessageToOpenAi } from './anthropic-to-openai.js';
import { ConverseToOpenAiStream, converseToOpenAi } from './converse-to-openai.js';
import { GeminiToOpenAiStream, geminiToOpenAi } from './gemini-to-openai.js';
import { type Json, parseBodyObject } from './json-body.js';
import { AwsSource, SseSource } from './provider-events.js';
import { readOpenAiChat } from './read-openai-chat.js';
import { invalid, refusalsAs } from './refusal.js';
import { ErrorTranslator, isEncoded, isStreamType, JsonTranslator, PassThrough, StreamTranslator } from './response-translators.js';
import { acceptOf, targetName, targetPath } from './target-paths.js';
import { writeAnthropic } from './write-anthropic.js';
import { writeConverse } from './write-converse.js';
import { writeGemini } from './write-gemini.js';

/** Anthropic API version header sent to the Anthropic API. */
export const ANTHROPIC_VERSION = '2023-06-01';
/** `anthropic_version` in Claude request bodies on Bedrock. */
export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';
/** `anthropic_version` in Claude request bodies on Vertex AI. */
export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

/** The translator of OpenAI Chat Completions requests to `target`. */
export function openAiChatTranslator(target: TranslationTarget, env: TranslationEnv = {}): PairTranslator {
  const now = env.now ?? Date.now;
  const newId = env.newId ?? (() => randomUUID().replaceAll('-', ''));
  return {
    client: 'openai-chat',
    errorShape: 'openai',
    target,
    translate: (input) => refusalsAs('openai', () => translate(target, input, now, newId)),
  };
}

function translate(target: TranslationTarget, input: RequestInput, now: () => number, newId: () => string): RequestOutcome {
  const name = targetName(target);
  const raw = parseBodyObject(input.body);
  const model = input.model ?? (typeof raw['model'] === 'string' ? raw['model'] : undefined);
  if (model === undefined || model === '') return invalid('model', 'a model is required');
  let body: Json;
  let stream: boolean;
  if (target.kind === 'azure-openai') {
    body = raw;
    stream = raw['stream'] === true;
  } else {
    const req = readOpenAiChat(raw, name);
    stream = req.stream;
    switch (target.kind) {
      case 'anthropic':
        body = { model, ...writeAnthropic(req, { target: name, imageUrls: true }), ...(stream ? { stream: true } : {}) };
        break;
      case 'vertex-anthropic':
        body = { anthropic_version: VERTEX_ANTHROPIC_VERSION, ...writeAnthropic(req, { target: name, imageUrls: false }), ...(stream ? { stream: true } : {}) };
        break;
      case 'bedrock-anthropic':
        body = { anthropic_version: BEDROCK_ANTHROPIC_VERSION, ...writeAnthropic(req, { target: name, imageUrls: false }) };
        break;
      case 'bedrock-converse':
        body = writeConverse(req);
        break;
      case 'gemini':
      case 'vertex-gemini':
        body = writeGemini(req);
        break;
      case 'openai':
        body = raw;
        break;
    }
  }
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  const set: Array<[string, string]> = [
    ['content-type', 'application/json'],
    ['content-length', String(bytes.length)],
    ['accept', acceptOf(target, stream)],
    ['accept-encoding', 'identity'],
  ];
  if (target.kind === 'anthropic') set.push(['anthropic-version', input.headers['anthropic-version'] ?? ANTHROPIC_VERSION]);
  const ctx: ResponseContext = { model, created: Math.floor(now() / 1000), id: `chatcmpl-${newId()}` };
  return {
    ok: true,
    request: {
      path: targetPath(target, model, stream),
      headers: { set, remove: [] },
      body: bytes,
      stream,
      model,
      responseTranslator: (status, headers) => responseTranslator(target, ctx, status, headers),
    },
  };
}

function responseTranslator(target: TranslationTarget, ctx: ResponseContext, status: number, headers: Readonly<Record<string, string>>): ResponseTranslator {
  if (target.kind === 'azure-openai' || target.kind === 'openai') return new PassThrough();
  if (status < 200 || status > 299 || isEncoded(headers)) return new ErrorTranslator('openai', status < 200 || status > 299 ? status : 502, headers);
  const streamed = isStreamType(headers['content-type']);
  switch (target.kind) {
    case 'anthropic':
    case 'vertex-anthropic':
      return streamed ? new StreamTranslator(new SseSource(), new AnthropicToOpenAiStream(ctx)) : new JsonTranslator((b) => anthropicMessageToOpenAi(b, ctx), 'openai');
    case 'bedrock-anthropic':
      return streamed ? new StreamTranslator(new AwsSource(true), new AnthropicToOpenAiStream(ctx)) : new JsonTranslator((b) => anthropicMessageToOpenAi(b, ctx), 'openai');
    case 'bedrock-converse':
      return streamed ? new StreamTranslator(new AwsSource(false), new ConverseToOpenAiStream(ctx)) : new JsonTranslator((b) => converseToOpenAi(b, ctx), 'openai');
    case 'gemini':
    case 'vertex-gemini':
      return streamed ? new StreamTranslator(new SseSource(), new GeminiToOpenAiStream(ctx)) : new JsonTranslator((b) => geminiToOpenAi(b, ctx), 'openai');
  }
}
