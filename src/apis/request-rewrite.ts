/**
 * The API spec owns its request rewrite for a backend (as Envoy AI Gateway's endpoint spec
 * owns its body rewrite): where the model lives decides how a `modelNameOverride` renames it
 * (the body's top-level `model`, or the model segment of `:path`), and APIs whose streams report
 * usage only when asked get `stream_options.include_usage` on streaming requests.
 */
import type { ApiMatch } from './api.js';
import { injectIncludeUsage } from './openai-usage-injection.js';
import { replaceTopLevelValue } from './top-level-replace.js';
import { pathWithModel } from './url-path.js';

/** APIs whose streaming requests take `stream_options.include_usage`. */
const INCLUDE_USAGE_APIS = new Set(['openai.chat_completions', 'openai.completions', 'azure.chat_completions', 'azure.completions']);

/** What to change. */
export interface RequestRewrite {
  /** Model name to send instead of the client's (`modelNameOverride`). */
  readonly model?: string;
  /** Ask for usage in the stream (streaming requests of APIs that take it). */
  readonly includeUsage?: boolean;
}

/** What the rewrite changed: a new body and/or path; `injectedUsage` when usage was asked for on the client's behalf. */
export interface RewrittenRequest {
  readonly body?: Buffer;
  readonly path?: string;
  readonly injectedUsage: boolean;
}

/** True when `apiId`'s streaming requests take `stream_options.include_usage`. */
export function takesIncludeUsage(apiId: string): boolean {
  return INCLUDE_USAGE_APIS.has(apiId);
}

/** `body` with its top-level `model` set to `model`; undefined when nothing changes (no model member, not JSON, same name). */
export function withModel(body: Buffer, model: string): Buffer | undefined {
  return replaceTopLevelValue(body, 'model', model);
}

/**
 * Rewrites a request of `match`'s API for its backend. `body` undefined: not seen (only the
 * path can change). Never throws: a body it cannot rewrite is left as it is.
 */
export function rewriteRequest(match: ApiMatch, path: string, body: Buffer | undefined, change: RequestRewrite): RewrittenRequest {
  const api = match.api;
  let sent = body;
  let injectedUsage = false;
  if (sent && change.includeUsage && INCLUDE_USAGE_APIS.has(api.id)) {
    const injected = injectIncludeUsage(sent);
    if (injected) {
      injectedUsage = true;
      sent = injected;
    }
  }
  let newPath: string | undefined;
  if (change.model !== undefined) {
    if (api.modelSource === 'body' && sent) sent = withModel(sent, change.model) ?? sent;
    else if (api.modelSource === 'url') newPath = pathWithModel(path, match, change.model);
  }
  return { ...(sent !== body && sent ? { body: sent } : {}), ...(newPath !== undefined && newPath !== path ? { path: newPath } : {}), injectedUsage };
}
