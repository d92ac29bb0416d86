/**
 * Recognises provider error objects in response bodies, so a failed call is reported with the
 * provider's own error type rather than only an HTTP status.
 */
import { asObject, asString } from './json-fields.js';

/**
 * Error type named by a parsed response body, or undefined when the body is not an error object.
 *
 * - OpenAI / Azure: `{"error": {"type": "invalid_request_error", "code": …}}` → `type`, else `code`.
 * - Anthropic: `{"type": "error", "error": {"type": "overloaded_error"}}` → `error.type`.
 * - Gemini / Vertex AI: `{"error": {"code": 400, "status": "INVALID_ARGUMENT"}}` → `status`;
 *   a streamed JSON array whose element is such an object counts too.
 * - Bedrock exceptions carry their type in the `x-amzn-errortype` header (see bedrock.ts), or in
 *   `__type` for some AWS JSON protocols.
 */
export function errorTypeOf(body: unknown): string | undefined {
  if (Array.isArray(body)) return body.length > 0 ? errorTypeOf(body[0]) : undefined;
  const top = asObject(body);
  if (top === undefined) return undefined;
  const err = top['error'];
  const errObj = asObject(err);
  if (errObj !== undefined) {
    const code = errObj['code'];
    return (
      asString(errObj['type']) ??
      asString(errObj['status']) ??
      asString(code) ??
      (typeof code === 'number' ? String(code) : undefined) ??
      'error'
    );
  }
  if (typeof err === 'string' && err.length > 0) return 'error';
  const awsType = asString(top['__type']);
  if (awsType !== undefined) return awsTypeName(awsType);
  return undefined;
}

/**
 * Short AWS error type name: `x-amzn-errortype` and `__type` values may carry a namespace
 * (`com.amazon.coral#ValidationException`) or a trailing `:http://…` URI.
 */
export function awsTypeName(raw: string): string {
  let name = raw;
  const colon = name.indexOf(':');
  if (colon >= 0) name = name.slice(0, colon);
  const hash = name.lastIndexOf('#');
  if (hash >= 0) name = name.slice(hash + 1);
  return name.trim() || raw;
}
