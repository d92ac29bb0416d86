/**
 * Every error code a client can see, in one place: the LLM-API errors a request gets (rendered
 * in the client API's own error shape by `src/apis/error-body.ts`) and the errors of the admin
 * port (one shape: `{"error": {"code", "message"}}`). Each code has its HTTP status, its error
 * `type` (the OpenAI error `type` the status maps to, as OpenAI-shaped replies carry it) and how
 * its message is written. `docs/errors.md` lists the same codes; a test keeps the two equal.
 *
 * Build errors with {@link clientError} and {@link adminError}, never by hand, so a code cannot
 * drift from its status or appear without documentation.
 */
import { UserFacingError, type UserFacingStatus } from './errors.js';

/** The error `type` of a status, as OpenAI-shaped replies carry it. */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'service_unavailable_error';

/** One catalogue entry: status, type, and the message from its arguments. */
export interface ErrorEntry<Args, Status extends number = number> {
  readonly status: Status;
  readonly type: ErrorType;
  /** One line for docs/errors.md: when the error happens. */
  readonly when: string;
  readonly message: (args: Args) => string;
  /** The request parameter the error is about (OpenAI `param`), from the arguments. */
  readonly param?: (args: Args) => string;
}

function entry<Args = void, Status extends number = number>(e: ErrorEntry<Args, Status>): ErrorEntry<Args, Status> {
  return e;
}

/** Errors a request through Envoy can get, in the client API's error shape. */
export const CLIENT_ERRORS = {
  // Request shape
  unknown_path: entry<{ path: string }, 404>({
    status: 404,
    type: 'invalid_request_error',
    when: 'no LLM API is served at the path (and it is not passed through)',
    message: (a) => `no LLM API is served at ${a.path}`,
  }),
  request_too_large: entry<{ maxBytes: number }, 413>({
    status: 413,
    type: 'invalid_request_error',
    when: 'the request body is larger than `limits.maxBodyBytes`',
    message: (a) => `request body exceeds ${a.maxBytes} bytes`,
  }),
  body_not_inspected: entry<{ for: 'model' | 'policy' }, 413>({
    status: 413,
    type: 'invalid_request_error',
    when: 'the model or a body rule needs the whole body and Envoy sent only part of it (STREAMED, or BUFFERED_PARTIAL over its buffer)',
    message: (a) =>
      a.for === 'model'
        ? 'the request body is larger than the gateway buffers (BUFFERED_PARTIAL), so its model cannot be read from the whole body; send a smaller body'
        : 'this route checks the request body, and the gateway was not given the whole body (Envoy request body mode STREAMED, or BUFFERED_PARTIAL over its buffer); send a smaller body',
  }),
  invalid_json: entry<{ detail?: string }, 400>({
    status: 400,
    type: 'invalid_request_error',
    when: 'the body of a JSON API is not JSON, or not a JSON object',
    message: (a) => (a.detail !== undefined ? `The request body is not valid JSON: ${a.detail}` : 'The request body must be a JSON object.'),
  }),
  invalid_multipart: entry<{ problem: 'no_boundary' } | { problem: 'malformed'; why: string } | { problem: 'duplicate_field'; field: string }, 400>({
    status: 400,
    type: 'invalid_request_error',
    when: 'a multipart upload (audio) is malformed, has no boundary, or repeats a field',
    message: (a) =>
      a.problem === 'no_boundary'
        ? 'Expected a multipart/form-data body with a boundary parameter.'
        : a.problem === 'malformed'
          ? `Malformed multipart body: ${a.why}.`
          : `The form field '${a.field}' appears more than once.`,
    param: (a) => (a.problem === 'duplicate_field' ? a.field : ''),
  }),
  missing_model: entry<{ field: string; in: 'body' | 'form' | 'request' }, 400>({
    status: 400,
    type: 'invalid_request_error',
    when: 'the request names no model (body field, form field or URL)',
    message: (a) =>
      a.in === 'form' ? `The form must name a model in the '${a.field}' field.` : a.in === 'body' ? `The request body must name a model in '${a.field}'.` : 'the request does not name a model',
    param: (a) => a.field,
  }),
  invalid_model: entry<{ field: string }, 400>({
    status: 400,
    type: 'invalid_request_error',
    when: 'the model field is not a string',
    message: (a) => `'${a.field}' must be a string.`,
    param: (a) => a.field,
  }),
  // Routing
  model_not_found: entry<{ model: string }, 404>({
    status: 404,
    type: 'invalid_request_error',
    when: 'no route rule serves the model (the router answered "no matching rule")',
    message: (a) => `no route for model ${JSON.stringify(a.model)}`,
    param: () => 'model',
  }),
  router_unavailable: entry<void, 503>({
    status: 503,
    type: 'service_unavailable_error',
    when: 'the router failed or ran over `router.timeoutMs` with `router.failureMode: closed`',
    message: () => 'the router could not decide a route; try again',
  }),
  // Request policy
  path_not_allowed: entry<{ path: string }, 404>({
    status: 404,
    type: 'invalid_request_error',
    when: "the path is not in the rule's `policy.allowedPaths`",
    message: (a) => `path ${a.path} is not served`,
  }),
  method_not_allowed: entry<{ method: string }, 405>({
    status: 405,
    type: 'invalid_request_error',
    when: "the method is not in the rule's `policy.allowedMethods`",
    message: (a) => `method ${a.method.toUpperCase()} is not allowed here`,
  }),
  missing_required_header: entry<{ header: string }, 400>({
    status: 400,
    type: 'invalid_request_error',
    when: 'a header of `policy.requiredHeaders` is missing or empty',
    message: (a) => `header ${a.header.toLowerCase()} is required`,
  }),
  field_forbidden: entry<{ field: string }, 403>({
    status: 403,
    type: 'permission_error',
    when: 'the body sets a field a body rule forbids',
    message: (a) => `field ${a.field} is not allowed`,
    param: (a) => a.field,
  }),
  value_not_allowed: entry<{ field: string; allowed: readonly unknown[] }, 400>({
    status: 400,
    type: 'invalid_request_error',
    when: 'a body field has a value outside its allowed list',
    message: (a) => `${a.field} must be one of ${a.allowed.map((v) => JSON.stringify(v)).join(', ')}`,
    param: (a) => a.field,
  }),
  invalid_value: entry<{ field: string }, 400>({
    status: 400,
    type: 'invalid_request_error',
    when: 'a body field a maximum applies to is not a number',
    message: (a) => `${a.field} must be a number`,
    param: (a) => a.field,
  }),
  value_too_large: entry<{ field: string; max: number }, 400>({
    status: 400,
    type: 'invalid_request_error',
    when: 'a body field is above its maximum',
    message: (a) => `${a.field} must be at most ${a.max}`,
    param: (a) => a.field,
  }),
  // Translation between client and provider APIs (docs/translation.md)
  unsupported_parameter: entry<{ param: string; target: string; what?: string }, 400>({
    status: 400,
    type: 'invalid_request_error',
    when: 'the backend serving the request speaks another API, which cannot express this field (the field is named)',
    message: (a) => `${a.param}: ${a.what ?? 'not supported'} when this model is served by ${a.target}`,
    param: (a) => a.param,
  }),
  invalid_parameter: entry<{ param: string; problem: string }, 400>({
    status: 400,
    type: 'invalid_request_error',
    when: 'a field of a request being translated for its backend has the wrong type or is malformed (e.g. tool-call arguments that are not a JSON object)',
    message: (a) => `${a.param}: ${a.problem}`,
    param: (a) => a.param,
  }),
  untranslatable_request: entry<{ reason: string }, 400>({
    status: 400,
    type: 'invalid_request_error',
    when: 'the backend chosen for the request speaks another API and requests of this API cannot be translated to it',
    message: (a) => `this request cannot be served by the backend chosen for it: ${a.reason}`,
  }),
  // Gateway keys
  missing_api_key: entry<void, 401>({
    status: 401,
    type: 'authentication_error',
    when: 'gateway keys are on and the request carries none',
    message: () => 'an API key is required: send it as your SDK sends its API key',
  }),
  invalid_api_key: entry<void, 401>({
    status: 401,
    type: 'authentication_error',
    when: 'the key is not in the key store',
    message: () => 'the API key is not valid',
  }),
  key_revoked: entry<void, 403>({
    status: 403,
    type: 'permission_error',
    when: 'the key was revoked',
    message: () => 'this API key has been revoked',
  }),
  key_expired: entry<void, 403>({
    status: 403,
    type: 'permission_error',
    when: 'the key is past its expiry',
    message: () => 'this API key has expired',
  }),
  project_inactive: entry<void, 403>({
    status: 403,
    type: 'permission_error',
    when: "the key's project is deactivated",
    message: () => 'the project of this API key is not active',
  }),
  key_request_limit: entry<void, 403>({
    status: 403,
    type: 'permission_error',
    when: 'the key has used its `--max-requests`',
    message: () => 'this API key has used all the requests it is allowed',
  }),
  model_not_allowed: entry<{ model: string | undefined }, 403>({
    status: 403,
    type: 'permission_error',
    when: "the model is not in the key's allowed models (or is unknown)",
    message: (a) =>
      a.model === undefined ? 'this API key is limited to certain models and the model of this request is not known' : `this API key may not use model ${JSON.stringify(a.model)}`,
    param: () => 'model',
  }),
  rule_not_allowed: entry<void, 403>({
    status: 403,
    type: 'permission_error',
    when: "the rule the request takes is not in the key's allowed rules",
    message: () => 'this API key may not use the route this request takes',
  }),
  key_store_unavailable: entry<void, 503>({
    status: 503,
    type: 'service_unavailable_error',
    when: 'keys are required and the key store cannot be read (or none is configured)',
    message: () => 'API keys cannot be checked right now; try again',
  }),
  // User hooks
  hook_unavailable: entry<void, 503>({
    status: 503,
    type: 'service_unavailable_error',
    when: 'a user hook with `failureMode: closed` threw, ran over its `timeoutMs` or answered something malformed',
    message: () => 'a request check of the gateway failed; try again',
  }),
  // Budgets and upstream
  budget_exceeded: entry<{ whose: string; window: 'day' | 'month'; what: string }, 429>({
    status: 429,
    type: 'rate_limit_error',
    when: 'a budget that applies is spent (with `retry-after`: seconds until the window resets)',
    message: (a) => `${a.whose} has used its ${a.window === 'day' ? 'daily' : 'monthly'} ${a.what}; try again when the window resets`,
  }),
  rate_limited: entry<{ name: string; limit: string; retryAfterSeconds: number }, 429>({
    status: 429,
    type: 'rate_limit_error',
    when: 'a rate limit of `rateLimits` is reached (with `retry-after` and `x-ratelimit-*` headers)',
    message: (a) => `rate limit ${a.name} reached (${a.limit} per minute); retry after ${a.retryAfterSeconds} s`,
  }),
  rate_limit_unavailable: entry<void, 503>({
    status: 503,
    type: 'service_unavailable_error',
    when: 'the rate-limit counter store is unreachable or slow and `rateLimits.failureMode` is `closed`',
    message: () => 'rate limits cannot be checked right now; try again',
  }),
  origin_not_allowed: entry<{ origin: string; method?: string }, 403>({
    status: 403,
    type: 'permission_error',
    when: "a browser request (it has an `origin`) whose origin or method the rule's `cors` (else the global `cors`) does not allow",
    message: (a) => (a.method ? `origin ${a.origin} may not use ${a.method} on this route` : `origin ${a.origin} may not call this route`),
  }),
  backends_unavailable: entry<{ rule: string; retryAfterSeconds: number }, 503>({
    status: 503,
    type: 'service_unavailable_error',
    when: 'every backend of the rule has an open circuit breaker (`resilience.breaker`; with `retry-after`: seconds until one may be tried)',
    message: (a) => `every backend of route ${JSON.stringify(a.rule)} is failing; retry after ${a.retryAfterSeconds} s`,
  }),
  upstream_credential_unavailable: entry<void, 503>({
    status: 503,
    type: 'service_unavailable_error',
    when: "the backend's provider credential cannot be read or signed with",
    message: () => 'the gateway cannot authenticate to the provider right now',
  }),
} as const;

/** Errors the admin port answers with, as `{"error": {"code", "message"}}`. */
export const ADMIN_ERRORS = {
  bad_request_target: entry<void, 400>({ status: 400, type: 'invalid_request_error', when: 'the request target is not a path', message: () => 'the request target is not a path' }),
  invalid_request: entry<{ reason: string }, 400>({ status: 400, type: 'invalid_request_error', when: 'a body field or query parameter is wrong', message: (a) => a.reason }),
  invalid_json: entry<void, 400>({ status: 400, type: 'invalid_request_error', when: 'the request body is not JSON', message: () => 'the request body is not valid JSON' }),
  unauthorized: entry<void, 401>({
    status: 401,
    type: 'authentication_error',
    when: 'the admin token is missing or wrong (with `www-authenticate`)',
    message: () => 'a valid admin token is required (Authorization: Bearer <token>)',
  }),
  not_found: entry<{ reason: string }, 404>({
    status: 404,
    type: 'invalid_request_error',
    when: 'no such path, key, project or trace; or the admin API is off (no `admin.token`)',
    message: (a) => a.reason,
  }),
  provider_credentials_off: entry<void, 404>({
    status: 404,
    type: 'invalid_request_error',
    when: 'a project credential is set while `auth.providerCredentials` is not configured',
    message: () => 'provider credentials per project are off: set auth.providerCredentials',
  }),
  debug_disabled: entry<void, 404>({ status: 404, type: 'invalid_request_error', when: 'a debug endpoint while `admin.debug` is false', message: () => 'debug endpoints are disabled (admin.debug: false)' }),
  method_not_allowed: entry<{ method: string; path: string }, 405>({
    status: 405,
    type: 'invalid_request_error',
    when: 'the path does not take the method (with `allow`)',
    message: (a) => `${a.method} is not allowed on ${a.path}`,
  }),
  conflict: entry<{ reason: string }, 409>({ status: 409, type: 'invalid_request_error', when: 'the project or key exists already', message: (a) => a.reason }),
  cache_disabled: entry<void, 409>({
    status: 409,
    type: 'invalid_request_error',
    when: 'a response cache route while no rule caches responses',
    message: () => 'the response cache is off: no rule caches responses',
  }),
  body_too_large: entry<{ maxBytes: number }, 413>({ status: 413, type: 'invalid_request_error', when: 'an admin API body is over 64 KiB', message: (a) => `request bodies are limited to ${a.maxBytes} bytes` }),
  internal_error: entry<void, 500>({ status: 500, type: 'server_error', when: 'a handler failed (logged as `admin request failed`)', message: () => 'internal error' }),
  dashboard_missing: entry<void, 500>({ status: 500, type: 'server_error', when: 'the dashboard files are missing from the installation', message: () => 'the dashboard files are missing from this installation' }),
  admin_token_unavailable: entry<{ where: string }, 503>({
    status: 503,
    type: 'service_unavailable_error',
    when: "`admin.token` is configured but its file or variable is empty or unreadable",
    message: (a) => `admin.token (${a.where}) is configured but empty or unreadable`,
  }),
  data_key_unavailable: entry<{ reason: string }, 503>({
    status: 503,
    type: 'service_unavailable_error',
    when: 'a project credential is set and the data key of `auth.providerCredentials` cannot be read',
    message: (a) => `the data key of auth.providerCredentials cannot be read: ${a.reason}`,
  }),
  store_unavailable: entry<{ store?: 'access' | 'rate-limit counter' | 'response cache' } | void, 503>({
    status: 503,
    type: 'service_unavailable_error',
    when: 'the access store cannot be opened, or the rate-limit counter or response cache store cannot be read',
    message: (a) => `the ${(a && a.store) ?? 'access'} store is not available`,
  }),
} as const;

/** A code of {@link CLIENT_ERRORS}. */
export type ClientErrorCode = keyof typeof CLIENT_ERRORS;
/** A code of {@link ADMIN_ERRORS}. */
export type AdminErrorCode = keyof typeof ADMIN_ERRORS;

type ArgsOf<E> = E extends ErrorEntry<infer A, number> ? A : never;
type ArgList<A> = [A] extends [void] ? [] : void extends A ? [args?: Exclude<A, void>] : [args: A];

/** The user-facing error for `code`, its message written from `args`. */
export function clientError<C extends ClientErrorCode>(code: C, ...args: ArgList<ArgsOf<(typeof CLIENT_ERRORS)[C]>>): UserFacingError {
  const e = CLIENT_ERRORS[code] as ErrorEntry<unknown, UserFacingStatus>;
  const a = args[0];
  const param = e.param?.(a) || undefined;
  return new UserFacingError(e.status, code, e.message(a), param);
}

/** An admin-port error: status and the body `{"error": {"code", "message"}}`. */
export interface AdminError {
  readonly status: number;
  readonly body: { readonly error: { readonly code: AdminErrorCode; readonly message: string } };
}

/** The admin-port error for `code`, its message written from `args`. */
export function adminError<C extends AdminErrorCode>(code: C, ...args: ArgList<ArgsOf<(typeof ADMIN_ERRORS)[C]>>): AdminError {
  const e = ADMIN_ERRORS[code] as ErrorEntry<unknown>;
  return { status: e.status, body: { error: { code, message: e.message(args[0]) } } };
}
