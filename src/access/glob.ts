/**
 * Glob patterns for key restrictions and policy paths: `*` matches any run of characters
 * (slashes included), `?` one character; everything else literally.
 */

const cache = new Map<string, RegExp>();

/** True when `value` matches `pattern` as a whole. */
export function globMatch(pattern: string, value: string): boolean {
  let re = cache.get(pattern);
  if (!re) {
    const source = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${source}$`, 's');
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re.test(value);
}

/** True when `value` matches any pattern. */
export function globAny(patterns: readonly string[], value: string): boolean {
  return patterns.some((p) => globMatch(p, value));
}
