/**
 * Event-loop lag: how late the process runs its timers, the symptom of anything that holds the
 * loop (a user router or metrics module doing synchronous work, a huge JSON parse, a GC storm).
 * While the loop is held every request in the process waits, so a pod whose loop stays held
 * must be seen as unready rather than silently slow.
 *
 * Measured per window (`intervalMs`, default 500 ms): the lag of a window is the larger of how
 * late the window's own timer fired and the largest delay `perf_hooks.monitorEventLoopDelay`
 * sampled in it (the histogram alone can miss a long hold: its first sample after a reset is
 * dropped, and the reset may come right after the hold). The last complete
 * window's lag is the `llm_extproc.event_loop.lag` gauge (seconds), and the monitor is
 * unhealthy while it is above the threshold (`readiness.maxEventLoopLagMs`; 0 turns the check
 * off). A loop held for 2 s makes the window that saw it report ~2 s; the monitor turns healthy
 * again after a window without such a delay.
 */
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';

/** The gauge of the last window's largest event-loop delay. */
export const EVENT_LOOP_LAG_METRIC = 'llm_extproc.event_loop.lag';

/** Options of {@link EventLoopLagMonitor}. */
export interface EventLoopLagOptions {
  readonly meter: Meter;
  readonly logger: Logger;
  /** The threshold in force (read at every window, so a reload applies), ms; 0: never unhealthy. */
  readonly maxLagMs: () => number;
  /** Called when healthy flips. */
  readonly onChange?: (healthy: boolean) => void;
  /** Window length, ms (default 500). */
  readonly intervalMs?: number;
  /** Sampling resolution of the delay histogram, ms (default 10). */
  readonly resolutionMs?: number;
}

/** Watches the event loop of this process. */
export class EventLoopLagMonitor {
  private histogram: IntervalHistogram | undefined;
  private timer: NodeJS.Timeout | undefined;
  private due = 0;
  private lastLagMs = 0;
  private isHealthy = true;

  constructor(private readonly opts: EventLoopLagOptions) {
    opts.meter
      .createObservableGauge(EVENT_LOOP_LAG_METRIC, { description: 'Largest event-loop delay in the last window (readiness fails while it stays above readiness.maxEventLoopLagMs)', unit: 's' })
      .addCallback((r) => r.observe(this.lastLagMs / 1000));
  }

  /** Starts measuring (idempotent). */
  start(): void {
    if (this.histogram) return;
    this.histogram = monitorEventLoopDelay({ resolution: this.opts.resolutionMs ?? 10 });
    this.histogram.enable();
    this.arm();
  }

  /** Stops measuring. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.histogram?.disable();
    this.histogram = undefined;
  }

  /** The last complete window's largest delay, ms. */
  get lagMs(): number {
    return this.lastLagMs;
  }

  /** False while the last window's lag is above the threshold. */
  get healthy(): boolean {
    return this.isHealthy;
  }

  private arm(): void {
    const interval = this.opts.intervalMs ?? 500;
    this.due = performance.now() + interval;
    this.timer = setTimeout(() => this.endWindow(), interval);
    this.timer.unref();
  }

  private endWindow(): void {
    const h = this.histogram;
    if (!h) return;
    const late = Math.max(0, performance.now() - this.due);
    // max is 0 (or absurdly large) when no sample was taken; count guards both.
    this.lastLagMs = Math.max(late, h.count > 0 ? h.max / 1e6 : 0);
    h.reset();
    this.arm();
    const limit = this.opts.maxLagMs();
    const healthy = limit <= 0 || this.lastLagMs <= limit;
    if (healthy === this.isHealthy) return;
    this.isHealthy = healthy;
    if (healthy) this.opts.logger.info({ lagMs: Math.round(this.lastLagMs) }, 'event loop lag back under the limit; ready again');
    else this.opts.logger.warn({ lagMs: Math.round(this.lastLagMs), limitMs: limit }, 'event loop lag above readiness.maxEventLoopLagMs; reporting not ready');
    this.opts.onChange?.(healthy);
  }
}
