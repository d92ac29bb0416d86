import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CallMessages } from './call-messages.js';

function objectStream(): PassThrough {
  return new PassThrough({ objectMode: true });
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

describe('CallMessages', () => {
  it('yields every message in order and ends with the input', async () => {
    const call = objectStream();
    const done = collect(new CallMessages<number>(call));
    for (let i = 0; i < 100; i++) call.write(i);
    call.end();
    expect(await done).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('hands out one message at a time while the loop is busy, pausing the call meanwhile', async () => {
    const call = objectStream();
    const messages = new CallMessages<string>(call);
    call.write('a');
    call.write('b');
    call.write('c');
    await new Promise((r) => setImmediate(r));
    expect(call.isPaused()).toBe(true);
    expect(await messages.next()).toEqual({ value: 'a', done: false });
    expect(await messages.next()).toEqual({ value: 'b', done: false });
    expect(await messages.next()).toEqual({ value: 'c', done: false });
    call.end();
    expect(await messages.next()).toEqual({ value: undefined, done: true });
  });

  it('delivers what arrived before the end, then ends', async () => {
    const call = objectStream();
    const messages = new CallMessages<string>(call);
    call.end('last');
    await new Promise((r) => setImmediate(r));
    expect(await collect(messages)).toEqual(['last']);
  });

  it('rejects with ERR_STREAM_PREMATURE_CLOSE when the call closes before its end (a client reset)', async () => {
    const call = objectStream();
    const done = collect(new CallMessages<string>(call));
    call.write('a');
    call.destroy();
    await expect(done).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it('rejects with the error the call emits', async () => {
    const call = objectStream();
    const done = collect(new CallMessages<string>(call));
    const err = Object.assign(new Error('boom'), { code: 13 });
    call.destroy(err);
    await expect(done).rejects.toBe(err);
  });

  it('rejects at once for a call already destroyed', async () => {
    const call = objectStream();
    call.destroy();
    await expect(new CallMessages<string>(call).next()).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it('leaving the loop early detaches without destroying the call', async () => {
    const call = objectStream();
    const before = { data: call.listenerCount('data'), error: call.listenerCount('error'), close: call.listenerCount('close') };
    call.write('a');
    call.write('b');
    for await (const m of new CallMessages<string>(call)) {
      expect(m).toBe('a');
      break;
    }
    expect(call.destroyed).toBe(false);
    expect({ data: call.listenerCount('data'), error: call.listenerCount('error'), close: call.listenerCount('close') }).toEqual(before);
  });

  it('detaches once the input ended', async () => {
    const call = objectStream();
    const done = collect(new CallMessages<string>(call));
    call.end('x');
    await done;
    expect(call.listenerCount('data')).toBe(0);
    expect(call.listenerCount('end')).toBe(0);
  });

  it('stops the source reading while a message waits (backpressure reaches the producer)', async () => {
    let reads = 0;
    const call = new Duplex({
      objectMode: true,
      highWaterMark: 1,
      read() {
        this.push(reads < 1000 ? reads++ : null);
      },
      write(_c, _e, cb) {
        cb();
      },
    });
    const messages = new CallMessages<number>(call);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(reads).toBeLessThan(5); // paused: the source is not drained while nobody consumes
    expect(await messages.next()).toEqual({ value: 0, done: false });
    expect(await messages.next()).toEqual({ value: 1, done: false });
    await messages.return();
    call.destroy();
  });
});
