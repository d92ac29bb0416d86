import { describe, expect, it } from 'vitest';
import { mergeHeaderChanges } from './header-changes.js';

describe('mergeHeaderChanges', () => {
  it('is undefined when nothing changes', () => {
    expect(mergeHeaderChanges([])).toBeUndefined();
    expect(mergeHeaderChanges([undefined, {}, { set: [], remove: [] }])).toBeUndefined();
  });

  it('lets a later set override an earlier one of the same name', () => {
    const merged = mergeHeaderChanges([{ set: [['a', '1'], ['b', '1']] }, { set: [['a', '2']] }]);
    expect(merged).toEqual({ set: [['a', '2'], ['b', '1']] });
  });

  it('never removes a name that any change sets, whatever the order', () => {
    expect(mergeHeaderChanges([{ set: [['x', '1']] }, { remove: ['x', 'y'] }])).toEqual({ set: [['x', '1']], remove: ['y'] });
    expect(mergeHeaderChanges([{ remove: ['x', 'y'] }, { set: [['x', '1']] }])).toEqual({ set: [['x', '1']], remove: ['y'] });
  });

  it('removes each name once', () => {
    expect(mergeHeaderChanges([{ remove: ['a', 'b'] }, { remove: ['b', 'a'] }])).toEqual({ remove: ['a', 'b'] });
  });

  it('gives the last entry (the processor own headers) the final word', () => {
    const hook = { set: [['x-ai-eg-selected-route', 'spoofed']] as const };
    const own = { set: [['x-ai-eg-selected-route', 'rule-a']] as const };
    expect(mergeHeaderChanges([hook, own])?.set).toEqual([['x-ai-eg-selected-route', 'rule-a']]);
  });
});
