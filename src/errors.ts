/**
 * Errors by kind. A {@link UserFacingError} ends the HTTP request with a JSON body in the
 * client API's own error shape; anything else is an internal error (logged, becomes a gRPC error
 * so Envoy's `failure_mode_allow` decides).
 */

/** HTTP statuses this service answers clients with. */
export type UserFacingStatus = 400 | 401 | 403 | 404 | 405 | 413 | 422 | 429 | 500 | 503;

/** An error the client should see, rendered by the detected API in its own error shape. */
export class UserFacingError extends Error {
  /**
   * @param status HTTP status of the local reply.
   * @param code Stable machine-readable code (e.g. `model_not_found`, `invalid_json`).
   * @param message Human-readable explanation, safe to show to the client.
   * @param param Request parameter the error is about, when there is one (OpenAI `param`).
   */
  constructor(
    readonly status: UserFacingStatus,
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'UserFacingError';
  }
}

/** A user-facing error that asks for extra headers on its reply (e.g. `retry-after` on a 429). */
export interface WithReplyHeaders {
  readonly replyHeaders: Readonly<Record<string, string>>;
}

/** True when `err` is a {@link UserFacingError}. */
export function isUserFacing(err: unknown): err is UserFacingError {
  return err instanceof UserFacingError;
}

/**
 * Envoy broke the ext_proc protocol (a phase out of order, a phase twice): the stream ends with
 * gRPC INVALID_ARGUMENT and a warning, never an exception.
 */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}
