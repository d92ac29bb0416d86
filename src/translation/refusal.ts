/**
 * Refusals of requests a target cannot express: a 400 in the client API's own error shape that
 * names the field, never a silent drop.
 */
import type { ErrorShape } from '../apis/api.js';
import { renderError } from '../apis/error-body.js';
import { UserFacingError } from '../errors.js';
import type { RequestOutcome } from './contract.js';

/** Thrown inside request translation; turned into a {@link RequestOutcome} refusal at the edge. */
export class TranslationRefusal extends UserFacingError {
  constructor(param: string, message: string, code = 'unsupported_parameter') {
    super(400, code, message, param);
    this.name = 'TranslationRefusal';
  }
}

/** Throws a refusal of `param`: `what` the target (named `target`) cannot express. */
export function refuse(param: string, target: string, what?: string): never {
  throw new TranslationRefusal(param, `${param}: ${what ?? 'not supported'} when this model is served by ${target}`);
}

/** Throws a refusal for a malformed request value (wrong type, unparsable JSON). */
export function invalid(param: string, message: string): never {
  throw new TranslationRefusal(param, `${param}: ${message}`, 'invalid_request');
}

/**
 * Runs `translate`, turning a {@link UserFacingError} it throws into a refusal rendered in
 * `shape`. Other errors propagate (they are bugs, not bad input).
 */
export function refusalsAs(shape: ErrorShape, translate: () => RequestOutcome): RequestOutcome {
  try {
    return translate();
  } catch (err) {
    if (!(err instanceof UserFacingError)) throw err;
    const rendered = renderError(shape, err);
    return {
      ok: false,
      status: err.status,
      body: rendered.body,
      headers: { 'content-type': rendered.contentType, ...rendered.headers },
    };
  }
}
