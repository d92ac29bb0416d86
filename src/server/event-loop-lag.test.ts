import { createNoopMeter } from '@opentelemetry/api';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLoopLagMonitor } from './event-loop-lag.js';

const hold = (ms: number): void => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: the loop is held
  }
};

let monitor: EventLoopLagMonitor | undefined;
afterEach(() => monitor?.stop());

describe('EventLoopLagMonitor', () => {
  it('turns unhealthy after a window that saw the loop held past the limit, and healthy after a clean one', async () => {
    const changes: boolean[] = [];
    monitor = new EventLoopLagMonitor({ meter: createNoopMeter(), logger: pino({ level: 'silent' }), maxLagMs: () => 150, intervalMs: 50, onChange: (h) => changes.push(h) });
    monitor.start();
    expect(monitor.healthy).toBe(true);
    await expect.poll(() => monitor!.lagMs, { timeout: 2000 }).toBeGreaterThan(0);
    hold(400);
    await expect.poll(() => changes, { timeout: 2000 }).toEqual([false]);
    expect(monitor.lagMs).toBeGreaterThan(300);
    await expect.poll(() => changes, { timeout: 2000 }).toEqual([false, true]);
    expect(monitor.healthy).toBe(true);
  });

  it('never turns unhealthy with the check off (0)', async () => {
    const changes: boolean[] = [];
    // A long window held past its end: the window's own timer fires 300 ms late, and that lag
    // stays readable for the next whole second, so a poll on a busy machine cannot miss it.
    monitor = new EventLoopLagMonitor({ meter: createNoopMeter(), logger: pino({ level: 'silent' }), maxLagMs: () => 0, intervalMs: 1000, onChange: (h) => changes.push(h) });
    monitor.start();
    hold(1300);
    await expect.poll(() => monitor!.lagMs, { timeout: 5000, interval: 20 }).toBeGreaterThan(250);
    expect(monitor.healthy).toBe(true);
    expect(changes).toEqual([]);
  });
});
