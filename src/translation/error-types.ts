/**
 * Provider errors rendered in the client API's error shape: an error response body (any
 * provider's shape) becomes the client's, with the same status, so the client SDK raises the
 * error it would raise for its own provider. Shapes: see `src/apis/error-body.ts`.
 */
import type { ErrorShape } from '../apis/api.js';
import { anthropicType, bedrockType, googleStatus, openAiType } from '../apis/error-body.js';
import { asObject, asString, parseJson } from '../apis/json-fields.js';
import { awsTypeName } from '../apis/provider-error.js';

/** OpenAI error `type` of an Anthropic (or AWS) error type. */
export function openAiErrorTypeOfAnthropic(type: string): string {
  switch (type) {
    case 'invalid_request_error':
    case 'not_found_error':
    case 'request_too_large':
    case 'ValidationException':
      return 'invalid_request_error';
    case 'authentication_error':
      return 'authentication_error';
    case 'permission_error':
    case 'AccessDeniedException':
      return 'permission_error';
    case 'rate_limit_error':
    case 'ThrottlingException':
    case 'throttlingException':
      return 'rate_limit_error';
    default:
      return 'server_error';
  }
}

/** Message and type read from a provider error body of any shape. */
export interface ProviderErrorFacts {
  readonly message: string;
  readonly type?: string;
}

/**
 * Reads `{"error":{"message","type"|"status"}}` (OpenAI, Gemini), `{"type":"error","error":{…}}`
 * (Anthropic), `{"message"|"Message"}` (Bedrock; the type from `x-amzn-errortype`), a JSON
 * array of one such object (Gemini streams), or plain text.
 */
export function readProviderError(body: string, headers: Readonly<Record<string, string>>): ProviderErrorFacts {
  let parsed = parseJson(body);
  if (Array.isArray(parsed)) parsed = parsed[0];
  const top = asObject(parsed);
  const err = asObject(top?.['error']);
  const amzn = headers['x-amzn-errortype'];
  const message =
    asString(err?.['message']) ??
    asString(top?.['message']) ??
    asString(top?.['Message']) ??
    (typeof top?.['error'] === 'string' ? (top['error'] as string) : undefined) ??
    (body.trim() !== '' && top === undefined ? body.trim().slice(0, 1000) : 'the provider returned an error');
  const type = asString(err?.['type']) ?? asString(err?.['status']) ?? (amzn !== undefined ? awsTypeName(amzn) : undefined) ?? asString(top?.['__type']);
  return type !== undefined ? { message, type } : { message };
}

/** A provider error rendered for the client: body and the headers the shape needs. */
export interface ClientError {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Renders an error of `status` in `shape`, keeping the provider's message and type. */
export function renderClientError(shape: ErrorShape, status: number, facts: ProviderErrorFacts): ClientError {
  const json = (v: unknown): string => JSON.stringify(v);
  switch (shape) {
    case 'openai':
      return { body: json({ error: { message: facts.message, type: openAiType(status), param: null, code: facts.type ?? null } }), headers: {} };
    case 'anthropic':
      return { body: json({ type: 'error', error: { type: anthropicType(status), message: facts.message } }), headers: {} };
    case 'gemini':
      return { body: json({ error: { code: status, message: facts.message, status: googleStatus(status) } }), headers: {} };
    case 'bedrock':
      return { body: json({ message: facts.message }), headers: { 'x-amzn-errortype': bedrockType(status) } };
  }
}
