import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './load.js';
import { configSchema } from './schema.js';
import { editDistance, keysAt, nearestKey } from './key-suggestions.js';

function problemsOf(yaml: string) {
  try {
    parseConfig(yaml, 'test.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('config loaded');
}

describe('keysAt', () => {
  it('lists the keys of the object at a path, through arrays and optional wrappers', () => {
    expect(keysAt(configSchema, [])).toContain('rules');
    expect(keysAt(configSchema, ['rules', 0])).toEqual(expect.arrayContaining(['name', 'headers', 'backends']));
    expect(keysAt(configSchema, ['rules', 0, 'headers', 0])).toEqual(expect.arrayContaining(['name', 'prefix', 'present']));
    expect(keysAt(configSchema, ['admin'])).toEqual(expect.arrayContaining(['address', 'debug', 'token']));
  });

  it('finds nothing at a path the schema has no object for', () => {
    expect(keysAt(configSchema, ['nonsense', 'deeper'])).toEqual([]);
  });
});

describe('nearestKey', () => {
  it('suggests a key one slip away, and nothing when none is close', () => {
    expect(nearestKey('prefx', ['prefix', 'name', 'present'])).toBe('prefix');
    expect(nearestKey('nmae', ['prefix', 'name'])).toBe('name');
    expect(nearestKey('Rules', ['rules'])).toBe('rules');
    expect(nearestKey('colour', ['prefix', 'name'])).toBeUndefined();
  });

  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('nmae', 'name')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('unknown config keys', () => {
  it('suggest the nearest valid key at their place, with path and line', () => {
    const problems = problemsOf('rules:\n  - name: a\n    headers:\n      - { name: x-ai-eg-model, prefx: "gpt-" }\n');
    expect(problems).toContainEqual({ path: 'rules[0].headers[0].prefx', line: 4, message: 'unknown key: did you mean `prefix`?' });
  });

  it('say only "unknown key" when nothing is near', () => {
    expect(problemsOf('zzzzzz: 1\n')).toEqual([{ path: 'zzzzzz', line: 1, message: 'unknown key' }]);
  });

  it('suggest at the top level too', () => {
    expect(problemsOf('rule: []\n')[0]?.message).toBe('unknown key: did you mean `rules`?');
  });
});
