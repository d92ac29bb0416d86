/**
 * OpenAI audio APIs.
 * - Speech, `POST /v1/audio/speech`: JSON body with `model`; the response is audio bytes (never
 *   buffered), or SSE when `stream_format: "sse"`, whose `speech.audio.done` event reports usage.
 * - Transcriptions and translations, `POST /v1/audio/transcriptions|translations`:
 *   `multipart/form-data` with a `model` field (and `stream` for transcriptions). JSON responses
 *   report `usage` either in tokens (`type: "tokens"`) or as billed seconds of audio
 *   (`type: "duration"`); streamed transcriptions report it in `transcript.text.done`.
 *   Text formats (`text`, `srt`, `vtt`) carry no usage.
 */
import { clientError } from '../error-catalogue.js';
import type { BodyFacts, ResponseInfo, ResponseParser } from './api.js';
import { jsonBodyParser, jsonBodyRules, type JsonBodyRules } from './body-facts.js';
import { DoneEventStream } from './done-event-stream.js';
import { asCount, asObject } from './json-fields.js';
import { readMultipartFields } from './multipart.js';
import { inputFamilyUsage } from './openai-usage.js';
import { compact, isEventStream, jsonResponseParser, responseKeys, sseResponseParser, type ParserOptions } from './response-readers.js';
import { fixedPathSpec } from './spec-route.js';

const SPEECH_BODY: JsonBodyRules = jsonBodyRules({
  keys: ['model', 'stream_format'],
  modelKey: 'model',
  stream: (values) => values.get('stream_format') === 'sse',
});

const FORM_FIELDS = new Set(['model', 'stream']);

/**
 * Model and stream flag of a multipart audio upload. Throws `UserFacingError(400)` for a body
 * that is not multipart/form-data and `missing_model` when the `model` field is absent or empty.
 */
export function readAudioForm(body: Buffer, contentType: string | undefined, opts?: { partial?: boolean }): BodyFacts {
  const fields = readMultipartFields(body, contentType, FORM_FIELDS, opts);
  const model = fields.get('model');
  if ((model === undefined || model === '') && opts?.partial !== true) {
    throw clientError('missing_model', { field: 'model', in: 'form' });
  }
  const facts: BodyFacts = { stream: fields.get('stream')?.trim().toLowerCase() === 'true' };
  if (model) facts.model = model;
  return facts;
}

const KEYS = responseKeys('usage');

/** Facts of a transcription/translation JSON body: token usage or billed seconds. */
export function readAudioJson(top: Readonly<Record<string, unknown>>): ResponseInfo {
  const usage = asObject(top['usage']);
  if (usage?.['type'] === 'duration') return compact({ usage: {}, audioDurationSeconds: asCount(usage['seconds']) });
  return { usage: inputFamilyUsage(usage) };
}

/** Events of a transcription or speech stream that report usage. */
const DONE_EVENTS: ReadonlySet<string> = new Set(['transcript.text.done', 'speech.audio.done']);

/** Parser for an audio API response: events, JSON, or bytes that are not looked at. */
export function newAudioResponseParser(opts: ParserOptions): ResponseParser {
  if (isEventStream(opts.contentType)) return sseResponseParser(new DoneEventStream(DONE_EVENTS, readAudioJson));
  return jsonResponseParser(KEYS, readAudioJson, { contentType: opts.contentType, requireJson: true });
}

/** Text to speech. */
export const openAiAudioSpeech = fixedPathSpec({
  id: 'openai.audio_speech',
  operation: 'speech',
  provider: 'openai',
  errorShape: 'openai',
  modelSource: 'body',
  paths: ['/v1/audio/speech'],
  parseRequestBody: jsonBodyParser(SPEECH_BODY),
  newResponseParser: newAudioResponseParser,
});

/** Speech to text. */
export const openAiAudioTranscriptions = fixedPathSpec({
  id: 'openai.audio_transcriptions',
  operation: 'transcription',
  provider: 'openai',
  errorShape: 'openai',
  modelSource: 'multipart',
  paths: ['/v1/audio/transcriptions'],
  parseRequestBody: readAudioForm,
  newResponseParser: newAudioResponseParser,
});

/** Speech to English text. */
export const openAiAudioTranslations = fixedPathSpec({
  id: 'openai.audio_translations',
  operation: 'translation',
  provider: 'openai',
  errorShape: 'openai',
  modelSource: 'multipart',
  paths: ['/v1/audio/translations'],
  parseRequestBody: readAudioForm,
  newResponseParser: newAudioResponseParser,
});
