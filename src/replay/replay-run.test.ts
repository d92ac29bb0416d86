import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ExtProcClient } from '../envoy/ext-proc-client.js';
import type { RecordedExchange } from './exchange-file.js';
import { runReplay } from './replay-run.js';

const exchange = (source: string): RecordedExchange => ({
  source,
  request: { method: 'POST', path: '/v1/chat/completions', authority: 'a', headers: [], body: Buffer.from('{}') },
  response: { status: 200, headers: [], body: Buffer.alloc(0) },
});

/** A client whose streams fail once the test lets them, counting how many are open at once. */
function failingClient() {
  let open = 0;
  let maxOpen = 0;
  const pending: Array<() => void> = [];
  const client = {
    open: () => {
      open++;
      maxOpen = Math.max(maxOpen, open);
      const call = Object.assign(new EventEmitter(), {
        write: () => {
          pending.push(() => {
            open--;
            call.emit('error', new Error('unavailable'));
          });
          return true;
        },
        end: () => undefined,
        cancel: () => undefined,
      });
      return call;
    },
    statusCode: () => undefined,
    close: () => undefined,
  } as unknown as ExtProcClient;
  return { client, maxOpen: () => maxOpen, release: () => pending.splice(0).forEach((f) => f()), pending: () => pending.length };
}

describe('runReplay', () => {
  it('keeps at most `concurrency` streams open and plays `count` exchanges, cycling', async () => {
    const fake = failingClient();
    const sources: string[] = [];
    const run = runReplay({ exchanges: [exchange('a'), exchange('b')], client: fake.client, count: 5, concurrency: 2, routeHeader: 'x', onResult: (r) => sources.push(r.source) });
    while (sources.length < 5) {
      await new Promise((r) => setImmediate(r));
      fake.release();
    }
    const results = await run;
    expect(fake.maxOpen()).toBe(2);
    expect(results).toHaveLength(5);
    expect(sources.sort()).toEqual(['a', 'a', 'a', 'b', 'b']);
    expect(results.every((r) => r.error?.includes('unavailable'))).toBe(true);
  });

  it('spaces starts by 1/rate seconds', async () => {
    const fake = failingClient();
    let t = 0;
    const waits: number[] = [];
    const run = runReplay({
      exchanges: [exchange('a')],
      client: fake.client,
      count: 4,
      rate: 10,
      routeHeader: 'x',
      now: () => t,
      sleep: async (ms) => {
        waits.push(ms);
        t += ms;
      },
    });
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setImmediate(r));
      fake.release();
    }
    await run;
    expect(waits).toEqual([100, 100, 100]);
  });

  it('plays nothing for an empty list', async () => {
    expect(await runReplay({ exchanges: [], client: failingClient().client, routeHeader: 'x' })).toEqual([]);
  });
});
