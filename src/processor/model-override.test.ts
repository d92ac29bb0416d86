import { describe, expect, it } from 'vitest';
import { modelOverridesOfRules, withModel } from './model-override.js';

const backend = (name: string, modelNameOverride?: string) => ({ name, ...(modelNameOverride !== undefined ? { modelNameOverride } : {}) });

describe('modelOverridesOfRules', () => {
  it('keeps the rules whose backends all share one override', () => {
    const rules = [
      { name: 'one', backends: [backend('a', 'gpt-4o-2024-08-06')] },
      { name: 'agree', backends: [backend('a', 'm-1'), backend('b', 'm-1')] },
      { name: 'differ', backends: [backend('a', 'm-1'), backend('b', 'm-2')] },
      { name: 'partial', backends: [backend('a', 'm-1'), backend('b')] },
      { name: 'none', backends: [backend('a')] },
      { name: 'empty', backends: [backend('a', '')] },
    ];
    expect([...modelOverridesOfRules({ rules } as never)]).toEqual([
      ['one', 'gpt-4o-2024-08-06'],
      ['agree', 'm-1'],
    ]);
  });
});

describe('withModel', () => {
  it('sets the body model, and reports no change when there is none to make', () => {
    expect(withModel(Buffer.from('{"model":"gpt-4o","messages":[]}'), 'gpt-4o-mini')?.toString()).toBe('{"model":"gpt-4o-mini","messages":[]}');
    expect(withModel(Buffer.from('{"model":"gpt-4o"}'), 'gpt-4o')).toBeUndefined();
    expect(withModel(Buffer.from('{"messages":[]}'), 'gpt-4o')).toBeUndefined();
  });
});
