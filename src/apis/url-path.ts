/**
 * Small helpers for reading facts out of URL paths.
 */

/** `decodeURIComponent(s)`, or `s` unchanged when it is not valid percent-encoding. */
export function decodeSegment(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Splits `{model}:{method}` at its last colon. Undefined when either side is empty or the model
 * part contains a slash.
 */
export function splitModelMethod(s: string): { model: string; method: string } | undefined {
  const colon = s.lastIndexOf(':');
  if (colon <= 0 || colon === s.length - 1) return undefined;
  const model = s.slice(0, colon);
  if (model.includes('/')) return undefined;
  return { model: decodeSegment(model), method: s.slice(colon + 1) };
}

/**
 * Whether the query asks for a server-sent-events response (Google's `alt=sse` system
 * parameter, any letter case). Such a request streams from the moment its URL is read, whatever
 * method it names.
 */
export function queryAsksForSse(query: URLSearchParams): boolean {
  for (const v of query.getAll('alt')) if (v.toLowerCase() === 'sse') return true;
  return false;
}

/** Characters a path segment may carry as they are (RFC 3986 `pchar`, less `%`). */
const PCHAR = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]$/;

/**
 * `model` encoded for a path segment: percent-encoding everything but unreserved characters
 * when `strict` (the client's segment was percent-encoded, as AWS SDKs send Bedrock model ids),
 * else only what a segment cannot carry (`/`, `?`, `#`, `%`, spaces, non-ASCII).
 */
export function encodeSegment(model: string, strict: boolean): string {
  if (strict) return encodeURIComponent(model);
  let out = '';
  for (const ch of model) out += PCHAR.test(ch) ? ch : encodeURIComponent(ch);
  return out;
}

/**
 * `rawPath` (the `:path` as sent, query included) with the model segment the API match found
 * replaced by `model`; undefined when the match has no URL model or already names `model`.
 */
export function pathWithModel(rawPath: string, match: { readonly urlModel?: string; readonly urlModelAt?: { readonly start: number; readonly end: number } }, model: string): string | undefined {
  const at = match.urlModelAt;
  if (!at || match.urlModel === undefined || match.urlModel === model) return undefined;
  const strict = rawPath.slice(at.start, at.end).includes('%');
  return rawPath.slice(0, at.start) + encodeSegment(model, strict) + rawPath.slice(at.end);
}
