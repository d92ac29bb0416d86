import { describe, expect, it } from 'vitest';
import { ProgressBar } from './progress-bar.js';

describe('ProgressBar', () => {
  it('redraws in place at most every 100 ms, always at the end, then ends the line', () => {
    let out = '';
    let t = 0;
    const bar = new ProgressBar((s) => void (out += s), () => t, 10);
    bar.update(1, 4, 0);
    t = 50;
    bar.update(2, 4, 0);
    t = 150;
    bar.update(3, 4, 1);
    t = 160;
    bar.update(4, 4, 1);
    bar.finish();
    expect(out).toBe('\r[###-------] 1/4\r[########--] 3/4 (1 failed)\r[##########] 4/4 (1 failed)\n');
  });

  it('writes nothing when never drawn', () => {
    let out = '';
    new ProgressBar((s) => void (out += s)).finish();
    expect(out).toBe('');
  });
});
