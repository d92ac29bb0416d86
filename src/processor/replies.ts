/**
 * Small constructors for the processor's replies.
 */
import type { ErrorShape } from '../apis/api.js';
import { renderError } from '../apis/error-body.js';
import type { UserFacingError, WithReplyHeaders } from '../errors.js';
import type { LocalResponse } from '../hooks/hook.js';
import type { ContinueReply, HeaderChanges, ImmediateReply, Phase } from '../hooks/phase.js';

/** A plain CONTINUE for `phase`, with optional changes. */
export function continueReply(phase: Phase, changes: Omit<ContinueReply, 'kind' | 'phase'> = {}): ContinueReply {
  return { kind: 'continue', phase, ...changes };
}

/** Header changes that only remove headers (undefined when there is nothing to remove). */
export function removing(names: readonly string[]): HeaderChanges | undefined {
  return names.length > 0 ? { remove: names } : undefined;
}

/** A local reply carrying `err` in the client API's own error shape. */
export function errorReply(shape: ErrorShape, err: UserFacingError): ImmediateReply {
  const rendered = renderError(shape, err);
  const headers: Array<[string, string]> = [['content-type', rendered.contentType]];
  for (const [k, v] of Object.entries({ ...rendered.headers, ...replyHeadersOf(err) })) headers.push([k, v]);
  return { kind: 'immediate', status: err.status, headers, body: rendered.body, details: `llm_extproc_${err.code}` };
}

function replyHeadersOf(err: UserFacingError): Readonly<Record<string, string>> {
  const h = (err as Partial<WithReplyHeaders>).replyHeaders;
  return h && typeof h === 'object' ? h : {};
}

/** A local 200 JSON reply (e.g. the models list). */
export function jsonReply(body: string, details: string): ImmediateReply {
  return { kind: 'immediate', status: 200, headers: [['content-type', 'application/json']], body, details };
}

/** A hook's complete local response (e.g. a cache hit). */
export function localReply(r: LocalResponse): ImmediateReply {
  return { kind: 'immediate', status: r.status, headers: r.headers, body: r.body, details: r.details };
}
