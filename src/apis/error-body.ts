/**
 * Local error replies in each client API's own error shape, so clients and their SDKs raise the
 * same exceptions they would for the provider's errors.
 *
 * - OpenAI (and Azure OpenAI): `{"error": {"message", "type", "param", "code"}}`.
 * - Anthropic: `{"type": "error", "error": {"type", "message"}}`, with the error type fixed by
 *   status as Anthropic documents (400 invalid_request_error, 401 authentication_error,
 *   403 permission_error, 404 not_found_error, 413 request_too_large, 429 rate_limit_error,
 *   500 api_error, 529 overloaded_error; other 4xx use invalid_request_error).
 * - Gemini / Vertex AI: `{"error": {"code", "message", "status"}}` with the google.rpc status
 *   name of the HTTP status (400 INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED,
 *   404 NOT_FOUND, 429 RESOURCE_EXHAUSTED, 500 INTERNAL, 503 UNAVAILABLE).
 * - Bedrock: `{"message": "…"}` and the exception name in the `x-amzn-errortype` header
 *   (400 ValidationException, 403 AccessDeniedException, 404 ResourceNotFoundException,
 *   429 ThrottlingException, 500 InternalServerException, 503 ServiceUnavailableException).
 */
import type { UserFacingError } from '../errors.js';
import type { ErrorShape } from './api.js';

/** A rendered error body, its content type and any headers the shape needs. */
export interface RenderedError {
  readonly body: string;
  readonly contentType: 'application/json';
  /** Extra response headers (lower-case names), e.g. Bedrock's `x-amzn-errortype`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Renders `err` in the error shape `shape`. */
export function renderError(shape: ErrorShape, err: UserFacingError): RenderedError {
  switch (shape) {
    case 'openai':
      return json({
        error: { message: err.message, type: openAiType(err.status), param: err.param ?? null, code: err.code },
      });
    case 'anthropic':
      return json({ type: 'error', error: { type: anthropicType(err.status), message: err.message } });
    case 'gemini':
      return json({ error: { code: err.status, message: err.message, status: googleStatus(err.status) } });
    case 'bedrock':
      return { ...json({ message: err.message }), headers: { 'x-amzn-errortype': bedrockType(err.status) } };
  }
}

function json(value: unknown): RenderedError {
  return { body: JSON.stringify(value), contentType: 'application/json' };
}

/** OpenAI error `type` by status (OpenAI reports unknown models as invalid_request_error too). */
export function openAiType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 503) return 'service_unavailable_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** Anthropic error `type` by status. */
export function anthropicType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** google.rpc status name by HTTP status. */
export function googleStatus(status: number): string {
  switch (status) {
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'ABORTED';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 501:
      return 'UNIMPLEMENTED';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT';
  }
}

/** Bedrock exception name by status. */
export function bedrockType(status: number): string {
  switch (status) {
    case 401:
    case 403:
      return 'AccessDeniedException';
    case 404:
      return 'ResourceNotFoundException';
    case 429:
      return 'ThrottlingException';
    case 503:
      return 'ServiceUnavailableException';
    default:
      return status >= 500 ? 'InternalServerException' : 'ValidationException';
  }
}
