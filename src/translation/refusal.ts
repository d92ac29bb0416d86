/**
 * Refusals of requests a target cannot express: a 400 in the client API's own error shape that
 * names the field, never a silent drop.
 */
import type { ErrorShape } from '../apis/api.js';
import { renderError } from '../apis/error-body.js';
import { clientError } from '../error-catalogue.js';
import { UserFacingError } from '../errors.js';
import type { RequestOutcome } from './contract.js';

/**
 * Throws a refusal of `param` (`unsupported_parameter`): `what` the target (named `target`)
 * cannot express. Turned into a {@link RequestOutcome} refusal by {@link refusalsAs}.
 */
export function refuse(param: string, target: string, what?: string): never {
  throw clientError('unsupported_parameter', { param, target, ...(what !== undefined ? { what } : {}) });
}

/** Throws a refusal for a malformed request value (`invalid_parameter`: wrong type, unparsable JSON). */
export function invalid(param: string, problem: string): never {
  throw clientError('invalid_parameter', { param, problem });
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
