/**
 * The service's own counters (not the GenAI hooks): streams and requests by outcome, streams
 * in flight, and config reloads by outcome.
 */
import type { Counter, Meter } from '@opentelemetry/api';
import type { RequestOutcome } from '../hooks/outcome.js';
import type { StreamEnd } from './stream.js';

/** Instruments created once per process. */
export class ServiceMetrics {
  private readonly streams: Counter;
  private readonly requests: Counter;
  private readonly reloads: Counter;
  private inFlightNow = 0;

  constructor(meter: Meter) {
    this.streams = meter.createCounter('llm_extproc.streams', { description: 'ext_proc streams by how they ended' });
    this.requests = meter.createCounter('llm_extproc.requests', { description: 'HTTP requests seen, by outcome' });
    // Read when metrics are collected rather than recorded twice per stream on the hot path.
    meter
      .createObservableUpDownCounter('llm_extproc.streams.active', { description: 'ext_proc streams open now' })
      .addCallback((result) => result.observe(this.inFlightNow));
    this.reloads = meter.createCounter('llm_extproc.config.reloads', { description: 'config loads and reloads by outcome' });
  }

  /** A stream opened. */
  streamStarted(): void {
    this.inFlightNow++;
  }

  /** A stream ended. */
  streamEnded(end: StreamEnd): void {
    this.inFlightNow--;
    this.streams.add(1, { outcome: end });
  }

  /** Streams open now. */
  get inFlight(): number {
    return this.inFlightNow;
  }

  /** A request finished; outcome `ok`, `passthrough`, or its error type. */
  request(outcome: string, o?: Pick<RequestOutcome, 'rule'>): void {
    this.requests.add(1, o?.rule ? { outcome, route: o.rule } : { outcome });
  }

  /** A config load or reload finished. */
  reload(outcome: 'success' | 'failure'): void {
    this.reloads.add(1, { outcome });
  }
}
