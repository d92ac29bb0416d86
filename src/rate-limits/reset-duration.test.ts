import { describe, expect, it } from 'vitest';
import { formatResetDuration } from './reset-duration.js';

describe('formatResetDuration', () => {
  it('writes durations the way OpenAI does', () => {
    expect(formatResetDuration(0)).toBe('0s');
    expect(formatResetDuration(19.2)).toBe('20ms');
    expect(formatResetDuration(1000)).toBe('1s');
    expect(formatResetDuration(1500)).toBe('1.5s');
    expect(formatResetDuration(360_000)).toBe('6m0s');
    expect(formatResetDuration(61_250)).toBe('1m1.25s');
    expect(formatResetDuration(3_723_000)).toBe('1h2m3s');
    expect(formatResetDuration(1050)).toBe('1.05s');
    expect(formatResetDuration(1005)).toBe('1.005s');
    expect(formatResetDuration(61_001)).toBe('1m1.001s');
    expect(formatResetDuration(3_600_000 + 59_990)).toBe('1h0m59.99s');
  });
});
