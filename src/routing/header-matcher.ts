/**
 * Compiles a configured header matcher (Envoy `HeaderMatcher` style or Gateway API / AI Gateway
 * v0.2 `{type, name, value}` style) into a predicate over a header value.
 */
import type { HeaderMatcherConfig } from '../config/schema.js';

/** A compiled matcher: the header it reads and the test applied to its value. */
export interface CompiledHeaderMatcher {
  /** Lower-cased header name. */
  readonly name: string;
  /** True when the header (undefined = absent) satisfies the matcher, inversion applied. */
  test(value: string | undefined): boolean;
}

function valueTest(m: HeaderMatcherConfig): (value: string) => boolean {
  const fold = m.ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  if (m.type === 'Exact' || m.exact !== undefined) {
    const want = fold((m.type === 'Exact' ? m.value : m.exact) ?? '');
    return (v) => fold(v) === want;
  }
  if (m.prefix !== undefined) {
    const want = fold(m.prefix);
    return (v) => fold(v).startsWith(want);
  }
  if (m.suffix !== undefined) {
    const want = fold(m.suffix);
    return (v) => fold(v).endsWith(want);
  }
  if (m.contains !== undefined) {
    const want = fold(m.contains);
    return (v) => fold(v).includes(want);
  }
  const source = m.type === 'RegularExpression' ? (m.value ?? '') : typeof m.safeRegex === 'string' ? m.safeRegex : (m.safeRegex?.regex ?? '');
  // Envoy's safe_regex (RE2) and Gateway API RegularExpression match the whole value.
  const re = new RegExp(`^(?:${source})$`, m.ignoreCase ? 'i' : '');
  return (v) => re.test(v);
}

/** Compiles one matcher. The schema has already checked it is well-formed. */
export function compileHeaderMatcher(m: HeaderMatcherConfig): CompiledHeaderMatcher {
  const invert = m.invert;
  if (m.present !== undefined) {
    const wantPresent = m.present;
    return { name: m.name, test: (v) => ((v !== undefined) === wantPresent) !== invert };
  }
  const test = valueTest(m);
  // As in Envoy, an absent header never matches a value matcher, inverted or not.
  return { name: m.name, test: (v) => v !== undefined && test(v) !== invert };
}
