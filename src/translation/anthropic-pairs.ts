/**
 * Anthropic Messages clients (the Anthropic SDKs, Claude Code) served by Claude on Bedrock
 * InvokeModel, Claude on Vertex AI, and OpenAI-compatible servers (including Azure OpenAI).
 * Claude on Bedrock and Vertex AI takes the Messages body itself, minus `model` (in the URL),
 * plus `anthropic_version`; on Bedrock the `anthropic-beta` header travels as `anthropic_beta`
 * in the body, and the stream flag is in the URL.
 */
import { randomUUID } from 'node:crypto';
import type { PairTranslator, RequestInput, RequestOutcome, ResponseTranslator, TranslationEnv, TranslationTarget } from './contract.js';
import type { ResponseContext } from './anthropic-to-openai.js';
import { anthropicToOpenAiRequest } from './anthropic-to-openai-request.js';
import { type Json, parseBodyObject } from './json-body.js';
import { BEDROCK_ANTHROPIC_VERSION, VERTEX_ANTHROPIC_VERSION } from './openai-chat-pairs.js';
import { BedrockToAnthropicSse, OpenAiToAnthropicStream, openAiToAnthropicMessage } from './openai-to-anthropic.js';
import { AwsSource, SseSource } from './provider-events.js';
import { invalid, refusalsAs, refuse } from './refusal.js';
import { ErrorTranslator, isEncoded, isStreamType, JsonTranslator, PassThrough, StreamTranslator } from './response-translators.js';
import { acceptOf, targetName, targetPath } from './target-paths.js';

/** The translator of Anthropic Messages requests to `target`. */
export function anthropicTranslator(target: TranslationTarget, env: TranslationEnv = {}): PairTranslator {
  const now = env.now ?? Date.now;
  const newId = env.newId ?? (() => randomUUID().replaceAll('-', ''));
  return {
    client: 'anthropic-messages',
    errorShape: 'anthropic',
    target,
    translate: (input) => refusalsAs('anthropic', () => translate(target, input, now, newId)),
  };
}

function translate(target: TranslationTarget, input: RequestInput, now: () => number, newId: () => string): RequestOutcome {
  const name = targetName(target);
  const raw = parseBodyObject(input.body);
  const model = input.model ?? (typeof raw['model'] === 'string' ? raw['model'] : undefined);
  if (model === undefined || model === '') return invalid('model', 'a model is required');
  const stream = raw['stream'] === true;
  const remove: string[] = [];
  let body: Json;
  switch (target.kind) {
    case 'bedrock-anthropic': {
      const { model: _m, stream: _s, ...rest } = raw;
      body = { anthropic_version: BEDROCK_ANTHROPIC_VERSION, ...rest };
      const beta = input.headers['anthropic-beta'];
      if (beta !== undefined && beta.trim() !== '') body['anthropic_beta'] = beta.split(',').map((s) => s.trim()).filter((s) => s !== '');
      remove.push('anthropic-version', 'anthropic-beta');
      break;
    }
    case 'vertex-anthropic': {
      const { model: _m, ...rest } = raw;
      body = { anthropic_version: VERTEX_ANTHROPIC_VERSION, ...rest };
      remove.push('anthropic-version');
      break;
    }
    case 'openai':
    case 'azure-openai':
      body = anthropicToOpenAiRequest(raw, name, model);
      remove.push('anthropic-version', 'anthropic-beta');
      break;
    default:
      return refuse('model', name, 'Anthropic Messages requests cannot be translated to this backend');
  }
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  const ctx: ResponseContext = { model, created: Math.floor(now() / 1000), id: `msg_${newId()}` };
  const openAiStyle = target.kind === 'openai' || target.kind === 'azure-openai';
  return {
    ok: true,
    request: {
      path: targetPath(target, model, stream),
      headers: {
        set: [
          ['content-type', 'application/json'],
          ['content-length', String(bytes.length)],
          ['accept', acceptOf(target, stream)],
          ['accept-encoding', 'identity'],
        ],
        remove,
      },
      body: bytes,
      stream,
      model,
      responseTranslator: (status, headers) => responseTranslator(target, ctx, status, headers, openAiStyle),
    },
  };
}

function responseTranslator(target: TranslationTarget, ctx: ResponseContext, status: number, headers: Readonly<Record<string, string>>, openAiStyle: boolean): ResponseTranslator {
  if (status < 200 || status > 299 || isEncoded(headers)) return new ErrorTranslator('anthropic', status < 200 || status > 299 ? status : 502, headers);
  const streamed = isStreamType(headers['content-type']);
  if (openAiStyle) {
    return streamed ? new StreamTranslator(new SseSource(), new OpenAiToAnthropicStream(ctx)) : new JsonTranslator((b) => openAiToAnthropicMessage(b, ctx), 'anthropic');
  }
  if (target.kind === 'bedrock-anthropic' && streamed) return new StreamTranslator(new AwsSource(true), new BedrockToAnthropicSse());
  return new PassThrough();
}
