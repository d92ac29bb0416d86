import { describe, expect, it } from 'vitest';
import { lineOfConfigPath, splitConfigPath } from './config-lines.js';

const TEXT = `# comment
router:
  module: ./r.mjs
llmRequestCosts:
  - { metadataKey: a, type: InputToken }
  - metadataKey: b
    type: CEL
    celExpression: "x"
`;

describe('splitConfigPath', () => {
  it('splits keys and indexes', () => {
    expect(splitConfigPath('rules[0].headers[12].prefix')).toEqual(['rules', 0, 'headers', 12, 'prefix']);
    expect(splitConfigPath('router.module')).toEqual(['router', 'module']);
    expect(splitConfigPath('')).toEqual([]);
  });
});

describe('lineOfConfigPath', () => {
  it('finds the line of a key', () => {
    expect(lineOfConfigPath(TEXT, 'router.module')).toBe(3);
    expect(lineOfConfigPath(TEXT, 'llmRequestCosts[1].celExpression')).toBe(8);
    expect(lineOfConfigPath(TEXT, 'llmRequestCosts[0].metadataKey')).toBe(5);
  });

  it('finds the line of a list item', () => {
    expect(lineOfConfigPath(TEXT, 'llmRequestCosts[1]')).toBe(6);
  });

  it('falls back to the nearest ancestor for a path that is not in the text', () => {
    expect(lineOfConfigPath(TEXT, 'router.options.rule')).toBe(2);
    expect(lineOfConfigPath(TEXT, 'llmRequestCosts[0].cel')).toBe(5);
  });

  it('gives undefined for text that does not parse', () => {
    expect(lineOfConfigPath('a: [1,\n', 'a')).toBeUndefined();
  });
});
