import { describe, expect, it } from 'vitest';
import { MAX_SKIP_BACKENDS, setName, setsOf, survivingSets } from './backend-sets.js';

describe('survivingSets', () => {
  it('lists every non-empty proper subset once, priority order kept, larger first', () => {
    expect(survivingSets(['a', 'b', 'c'])).toEqual([['a', 'b'], ['a', 'c'], ['b', 'c'], ['a'], ['b'], ['c']]);
    expect(survivingSets(['a', 'b'])).toEqual([['a'], ['b']]);
  });

  it('has 2^n − 2 sets up to the limit, none beyond it or for a single backend', () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    expect(survivingSets(names.slice(0, MAX_SKIP_BACKENDS))).toHaveLength(2 ** MAX_SKIP_BACKENDS - 2);
    expect(new Set(survivingSets(names.slice(0, MAX_SKIP_BACKENDS)).map(setName)).size).toBe(2 ** MAX_SKIP_BACKENDS - 2);
    expect(survivingSets(names.slice(0, MAX_SKIP_BACKENDS + 1))).toEqual([]);
    expect(survivingSets(['a'])).toEqual([]);
  });
});

describe('setsOf', () => {
  it('names the sets a backend belongs to', () => {
    expect(setsOf('b', ['a', 'b', 'c'])).toEqual(['a,b', 'b,c', 'b']);
    expect(setsOf('x', ['a', 'b'])).toEqual([]);
  });
});
