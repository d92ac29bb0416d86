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
