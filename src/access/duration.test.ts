import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['45s', 45_000],
    ['90m', 5_400_000],
    ['12h', 43_200_000],
    ['30d', 2_592_000_000],
    ['2w', 1_209_600_000],
    [' 1d ', 86_400_000],
  ])('%s → %d ms', (t, ms) => expect(parseDuration(t)).toBe(ms));

  it.each(['', '0d', '-1d', '1y', 'd', '1.5d', '30', '1d2h', '99999999d'])('%j is refused', (t) => expect(parseDuration(t)).toBeUndefined());
});
