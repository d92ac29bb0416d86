import { Duplex } from 'node:stream';
import { createNoopMeter } from '@opentelemetry/api';
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { continueReply } from '../processor/replies.js';
import type { PhaseMessage, PhaseReply } from '../hooks/phase.js';
import { ServiceMetrics } from './service-metrics.js';
import { serveStream, writeReply, type ProcessCall, type StreamEnd } from './stream.js';

/**
 * A server call that behaves as grpc-js's `ServerDuplexStreamImpl` does: messages are pushed,
 * the half-close pushes `null`, an `error` event ends the writable side, a cancel (client
 * reset, session gone) sets `cancelled`, emits `cancelled` and destroys the stream, and — the
 * part that matters — a reply written after the transport closed is never acknowledged.
 */
class FakeCall extends Duplex {
  cancelled = false;
  transportClosed = false;
  autoAck = false;
  private readonly unacked: Array<() => void> = [];

  constructor() {
    super({ objectMode: true });
    this.on('error', () => this.end());
  }

  override _read(): void {}

  override _write(_chunk: unknown, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.transportClosed) return; // grpc-js drops it: the callback never runs
    if (this.autoAck) cb();
    else this.unacked.push(() => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    cb();
  }

  ack(): void {
    if (!this.transportClosed) this.unacked.shift()?.();
  }

  ackAll(): void {
    this.autoAck = true;
    while (this.unacked.length > 0 && !this.transportClosed) this.unacked.shift()!();
  }

  cancel(): void {
    this.transportClosed = true;
    this.cancelled = true;
    this.emit('cancelled', 'cancelled');
    this.destroy();
  }

  close(): void {
    this.transportClosed = true;
    this.destroy();
  }
}

const HEADERS: PhaseMessage = { phase: 'requestHeaders', headers: {}, endOfStream: false, observabilityMode: false };
const silent = pino({ level: 'silent' });

type Event = 'message' | 'halfClose' | 'error' | 'cancel' | 'close' | 'ack' | 'tick';

function apply(call: FakeCall, ev: Event, state: { halfClosed: boolean }): void {
  switch (ev) {
    case 'message':
      if (!state.halfClosed && !call.destroyed) call.push(HEADERS);
      return;
    case 'halfClose':
      if (!state.halfClosed && !call.destroyed) call.push(null);
      state.halfClosed = true;
      return;
    case 'error':
      if (!call.destroyed) call.emit('error', Object.assign(new Error('transport error'), { code: 13 }));
      return;
    case 'cancel':
      call.cancel();
      return;
    case 'close':
      call.close();
      return;
    case 'ack':
      call.ack();
      return;
    case 'tick':
      return;
  }
}

/** Turns the event loop until `p` settles, at most `turns` times; true when it settled. */
async function settles(p: Promise<unknown>, turns = 200): Promise<boolean> {
  let settled = false;
  void p.finally(() => (settled = true));
  for (let i = 0; i < turns && !settled; i++) await new Promise((r) => setImmediate(r));
  return settled;
}

describe('serveStream', () => {
  it('finishes every processor exactly once and returns the active gauge to 0, whatever the order of end, error, cancel and close', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Event>('message', 'message', 'halfClose', 'error', 'cancel', 'close', 'ack', 'ack', 'tick'), { maxLength: 24 }),
        fc.array(fc.integer({ min: 0, max: 24 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        fc.constantFrom<'reset' | 'complete'>('reset', 'complete'),
        async (events, replyCounts, asyncHandle, finale) => {
          const metrics = new ServiceMetrics(createNoopMeter());
          const finishes: StreamEnd[] = [];
          const ends: StreamEnd[] = [];
          let handled = 0;
          const call = new FakeCall();
          metrics.streamStarted();
          const done = serveStream(call as unknown as ProcessCall, {
            logger: silent,
            nextStreamId: () => 1,
            onEnd: (end) => {
              ends.push(end);
              metrics.streamEnded(end);
            },
            newProcessor: () => ({
              handle: async () => {
                const n = replyCounts[handled++ % replyCounts.length]!;
                if (asyncHandle) await new Promise((r) => setImmediate(r));
                return Array.from({ length: n }, (): PhaseReply => continueReply('requestHeaders'));
              },
              finish: (cause) => void finishes.push(cause),
            }),
          });
          const state = { halfClosed: false };
          for (const ev of events) {
            apply(call, ev, state);
            if (ev === 'tick' || asyncHandle) await new Promise((r) => setImmediate(r));
          }
          // Every real stream ends one of two ways: the transport resets it, or the client
          // half-closes and reads every reply.
          if (finale === 'reset') call.cancel();
          else {
            apply(call, 'halfClose', state);
            call.ackAll();
          }
          expect(await settles(done)).toBe(true);
          expect(finishes).toHaveLength(1);
          expect(ends).toEqual(finishes);
          expect(metrics.inFlight).toBe(0);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('ends the stream, once, when its processor cannot be built', async () => {
    const call = new FakeCall();
    const ends: StreamEnd[] = [];
    await serveStream(call as unknown as ProcessCall, {
      logger: silent,
      nextStreamId: () => 1,
      onEnd: (end) => void ends.push(end),
      newProcessor: () => {
        throw new Error('no generation');
      },
    });
    expect(ends).toEqual(['error']);
  });

  it('a wait for drain ends when the call is reset', async () => {
    const call = new FakeCall();
    const writes: Array<Promise<void> | undefined> = [];
    for (let i = 0; i < 20; i++) writes.push(writeReply(call as unknown as ProcessCall, continueReply('requestHeaders')));
    // The first 15 went out at once: no promise to wait for.
    expect(writes.slice(0, 15).every((w) => w === undefined)).toBe(true);
    call.cancel();
    const results = await Promise.allSettled(writes);
    // The 16th write fills the call's buffer (objectMode highWaterMark 16): it and every later one
    // waited for a drain that never comes once the call is reset.
    expect(results.map((r) => r.status)).toEqual([...Array<string>(15).fill('fulfilled'), ...Array<string>(5).fill('rejected')]);
    expect((results[19] as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    await expect(writeReply(call as unknown as ProcessCall, continueReply('requestHeaders'))).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });
});
