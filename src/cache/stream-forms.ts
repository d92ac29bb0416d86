/**
 * Stored responses served in the other form (`streamKeys: shared`): a streaming request answered
 * from a stored whole response gets the stream its API would have sent for it, a non-streaming
 * request answered from a stored stream gets the whole response assembled from it. Only the APIs
 * listed here share entries; the others keep streams and whole responses under distinct keys.
 */
import type { TokenUsage } from '../apis/api.js';
import { asObject } from '../apis/json-fields.js';
import { messageToStream, streamToMessage } from '../translation/anthropic-stream-forms.js';
import type { FormConversion } from '../translation/form-conversion.js';
import type { OpenAiUsage } from '../translation/openai-chunks.js';
import { chatCompletionToStream, streamToChatCompletion } from '../translation/openai-stream-forms.js';
import { isStreamType } from '../translation/response-translators.js';
import type { StoredResponse } from './response-store.js';

/** A whole response of the API in its stream form, and back. */
interface FormConverters {
  toStream(entry: StoredResponse, request: Readonly<Record<string, unknown>>): FormConversion;
  toWhole(entry: StoredResponse): FormConversion;
}

/** The stored usage in OpenAI terms (undefined when the response reported none). */
function openAiUsage(u: TokenUsage): OpenAiUsage | undefined {
  if (u.input === undefined && u.output === undefined) return undefined;
  return {
    prompt: u.input ?? 0,
    completion: u.output ?? 0,
    ...(u.cachedInput !== undefined ? { cached: u.cachedInput } : {}),
    ...(u.reasoning !== undefined ? { reasoning: u.reasoning } : {}),
    ...(u.total !== undefined ? { total: u.total } : {}),
  };
}

const CONVERTERS: ReadonlyMap<string, FormConverters> = new Map<string, FormConverters>([
  [
    'openai.chat_completions',
    {
      toStream: (entry, request) => chatCompletionToStream(entry.body, { includeUsage: asObject(request['stream_options'])?.['include_usage'] === true, usage: openAiUsage(entry.usage) }),
      toWhole: (entry) => streamToChatCompletion(entry.body, openAiUsage(entry.usage)),
    },
  ],
  ['anthropic.messages', { toStream: (entry) => messageToStream(entry.body), toWhole: (entry) => streamToMessage(entry.body) }],
]);

/** True when streaming and whole responses of the client API `api` can share entries. */
export function sharesStreamForms(api: string): boolean {
  return CONVERTERS.has(api);
}

/** True when `entry` holds a stream. */
export function isStreamEntry(entry: StoredResponse): boolean {
  return isStreamType(entry.headers.find(([name]) => name === 'content-type')?.[1]);
}

/**
 * `entry` in the form a request of `api` asks for (`stream`, and its parsed body for what the
 * stream should carry): unchanged when it is in that form, else converted, with the content
 * type of its new form; or why it cannot be.
 */
export function inRequestedForm(entry: StoredResponse, api: string, stream: boolean, request: Readonly<Record<string, unknown>>): StoredResponse | { readonly refused: string } {
  if (isStreamEntry(entry) === stream) return entry;
  const converters = CONVERTERS.get(api);
  if (converters === undefined) return { refused: `${api} responses are not converted` };
  const converted = stream ? converters.toStream(entry, request) : converters.toWhole(entry);
  if (converted.refused !== undefined) return converted;
  const contentType = stream ? 'text/event-stream; charset=utf-8' : 'application/json';
  return { ...entry, headers: [['content-type', contentType], ...entry.headers.filter(([name]) => name !== 'content-type')], body: converted.body };
}
