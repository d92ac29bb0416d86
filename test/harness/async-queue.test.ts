import { describe, expect, it } from 'vitest';
import { AsyncQueue } from './async-queue.js';

describe('AsyncQueue', () => {
  it('yields pushed items in order, waits for more, and ends after close', async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    const seen: number[] = [];
    const done = (async () => {
      for await (const n of queue) {
        seen.push(n);
        if (n === 1) queue.push(2);
        if (n === 2) queue.close();
      }
    })();
    await done;
    expect(seen).toEqual([1, 2]);
  });

  it('drains items pushed before close', async () => {
    const queue = new AsyncQueue<string>();
    queue.push('a');
    queue.push('b');
    queue.close();
    const seen: string[] = [];
    for await (const s of queue) seen.push(s);
    expect(seen).toEqual(['a', 'b']);
  });
});
