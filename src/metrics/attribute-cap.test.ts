import { describe, expect, it } from 'vitest';
import { AttributeValueCap, HeaderAttributeMapper, MAX_ATTRIBUTE_VALUE_LENGTH, OVERFLOW_VALUE } from './attribute-cap.js';

describe('AttributeValueCap', () => {
  it('admits the first N distinct values and maps later new ones to "other"', () => {
    const cap = new AttributeValueCap(2);
    expect(cap.map('a')).toBe('a');
    expect(cap.map('b')).toBe('b');
    expect(cap.map('c')).toBe(OVERFLOW_VALUE);
    expect(cap.map('a')).toBe('a');
    expect(cap.map('b')).toBe('b');
    expect(cap.map('d')).toBe(OVERFLOW_VALUE);
    expect(cap.size).toBe(2);
  });

  it('keeps memory bounded under a flood of distinct values', () => {
    const cap = new AttributeValueCap(10);
    for (let i = 0; i < 10_000; i++) cap.map(`tenant-${i}`);
    expect(cap.size).toBe(10);
    expect(cap.map('tenant-9')).toBe('tenant-9');
    expect(cap.map('tenant-10')).toBe(OVERFLOW_VALUE);
  });

  it('cuts very long values', () => {
    const cap = new AttributeValueCap(5);
    const long = 'x'.repeat(10_000);
    expect(cap.map(long)).toBe('x'.repeat(MAX_ATTRIBUTE_VALUE_LENGTH));
    expect(cap.size).toBe(1);
  });

  it('reports the first overflow once', () => {
    let calls = 0;
    const cap = new AttributeValueCap(1, () => calls++);
    cap.map('a');
    expect(calls).toBe(0);
    cap.map('b');
    cap.map('c');
    expect(calls).toBe(1);
  });

  it('rejects a non-positive cap', () => {
    expect(() => new AttributeValueCap(0)).toThrow(RangeError);
    expect(() => new AttributeValueCap(1.5)).toThrow(RangeError);
  });
});

describe('HeaderAttributeMapper', () => {
  it('maps present headers to attributes, each with its own cap', () => {
    const m = new HeaderAttributeMapper({ 'X-Tenant': 'tenant', 'x-team': 'team' }, 1);
    expect(m.empty).toBe(false);
    expect(m.attributes({ 'x-tenant': 'acme', 'x-team': 'red' })).toEqual({ tenant: 'acme', team: 'red' });
    expect(m.attributes({ 'x-tenant': 'globex' })).toEqual({ tenant: OVERFLOW_VALUE });
    expect(m.attributes({ 'x-team': 'red', other: 'x' })).toEqual({ team: 'red' });
  });

  it('names the attribute and header that overflowed', () => {
    const seen: string[] = [];
    const m = new HeaderAttributeMapper({ 'X-Tenant': 'tenant' }, 1, (attr, header) => seen.push(`${attr}<-${header}`));
    m.attributes({ 'x-tenant': 'a' });
    m.attributes({ 'x-tenant': 'b' });
    m.attributes({ 'x-tenant': 'c' });
    expect(seen).toEqual(['tenant<-x-tenant']);
  });

  it('is empty without mappings', () => {
    const m = new HeaderAttributeMapper({}, 3);
    expect(m.empty).toBe(true);
    expect(m.attributes({ 'x-tenant': 'a' })).toEqual({});
  });
});
