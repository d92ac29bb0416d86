import { describe, expect, it } from 'vitest';
import { headerMatcherSchema } from '../config/schema.js';
import { compileHeaderMatcher } from './header-matcher.js';

/** Compiles a matcher from its YAML-level form, through the schema (defaults, lower-casing). */
function matcher(input: Record<string, unknown>) {
  return compileHeaderMatcher(headerMatcherSchema.parse(input));
}

describe('compileHeaderMatcher', () => {
  it('lower-cases the header name it reads', () => {
    expect(matcher({ name: 'X-AI-EG-Model', exact: 'gpt-4o' }).name).toBe('x-ai-eg-model');
  });

  it.each([
    // [matcher, value, expected]
    [{ type: 'Exact', value: 'gpt-4o' }, 'gpt-4o', true],
    [{ type: 'Exact', value: 'gpt-4o' }, 'gpt-4o-mini', false],
    [{ type: 'Exact', value: 'gpt-4o' }, 'GPT-4O', false],
    [{ value: 'gpt-4o' }, 'gpt-4o', true], // Gateway API: type defaults to Exact
    [{ value: 'gpt-4o' }, 'gpt-4o-mini', false],
    [{ type: 'RegularExpression', value: 'gpt-4o(-mini)?' }, 'gpt-4o-mini', true],
    [{ type: 'RegularExpression', value: 'gpt-4o(-mini)?' }, 'gpt-4o-mini-2024', false], // whole value
    [{ type: 'RegularExpression', value: 'gpt' }, 'my-gpt-model', false],
    [{ exact: 'claude-3' }, 'claude-3', true],
    [{ exact: '' }, '', true],
    [{ prefix: 'gpt-' }, 'gpt-4o', true],
    [{ prefix: 'gpt-' }, 'chatgpt-4o', false],
    [{ suffix: '-mini' }, 'gpt-4o-mini', true],
    [{ suffix: '-mini' }, 'gpt-4o', false],
    [{ contains: '4o' }, 'gpt-4o-mini', true],
    [{ contains: '4o' }, 'gpt-5', false],
    [{ safeRegex: 'claude-.*' }, 'claude-sonnet-4-5', true],
    [{ safeRegex: 'claude-.*' }, 'x-claude-sonnet', false],
    [{ safeRegex: { regex: '^(a|b)$' } }, 'a', true],
    [{ safeRegex: 'a|b' }, 'ab', false], // alternation is grouped before anchoring
    [{ prefix: 'GPT-', ignoreCase: true }, 'gpt-4o', true],
    [{ exact: 'Premium', ignoreCase: true }, 'PREMIUM', true],
    [{ suffix: '-MINI', ignoreCase: true }, 'gpt-4o-mini', true],
    [{ contains: 'O-M', ignoreCase: true }, 'gpt-4o-mini', true],
    [{ safeRegex: 'GPT-.*', ignoreCase: true }, 'gpt-4o', true],
    [{ prefix: 'gpt-', invert: true }, 'claude-3', true],
    [{ prefix: 'gpt-', invert: true }, 'gpt-4o', false],
  ])('%j on %j → %s', (m, value, expected) => {
    expect(matcher({ name: 'x-ai-eg-model', ...m }).test(value)).toBe(expected);
  });

  it('never matches an absent header with a value matcher, inverted or not (as Envoy)', () => {
    for (const m of [{ exact: 'a' }, { prefix: '' }, { contains: '' }, { safeRegex: '.*' }, { type: 'Exact', value: '' }]) {
      expect(matcher({ name: 'h', ...m }).test(undefined)).toBe(false);
      expect(matcher({ name: 'h', ...m, invert: true }).test(undefined)).toBe(false);
    }
  });

  it('matches presence and absence, with inversion', () => {
    expect(matcher({ name: 'x-tenant', present: true }).test('')).toBe(true);
    expect(matcher({ name: 'x-tenant', present: true }).test(undefined)).toBe(false);
    expect(matcher({ name: 'x-tenant', present: false }).test(undefined)).toBe(true);
    expect(matcher({ name: 'x-tenant', present: false }).test('acme')).toBe(false);
    expect(matcher({ name: 'x-tenant', present: true, invert: true }).test(undefined)).toBe(true);
    expect(matcher({ name: 'x-tenant', present: true, invert: true }).test('acme')).toBe(false);
  });

  it('treats regex metacharacters in string matchers literally', () => {
    expect(matcher({ name: 'h', prefix: 'a.b' }).test('axb')).toBe(false);
    expect(matcher({ name: 'h', exact: 'a*' }).test('aaa')).toBe(false);
    expect(matcher({ name: 'h', exact: 'a*' }).test('a*')).toBe(true);
  });
});
