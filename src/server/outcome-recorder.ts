/**
 * The service's own record of requests: routing events into service counters and the debug
 * ring as they happen, and each finished request (an outcome hook) into the service counters
 * and one request log line.
 */
import type { Logger } from 'pino';
import type { Hook } from '../hooks/hook.js';
import type { RequestEventSink, RequestOutcome, RouteDecisionRecord } from '../hooks/outcome.js';
import { formatRequestLog } from '../processor/request-log.js';
import type { DecisionRing } from './decision-ring.js';
import type { ServiceMetrics } from './service-metrics.js';

/** The sink every processor reports to, and the outcome hook every generation ends with. */
export class OutcomeRecorder implements RequestEventSink, Hook {
  readonly name = 'service-record';

  constructor(
    private readonly metrics: ServiceMetrics,
    private readonly ring: DecisionRing,
    private readonly logger: Logger,
    private readonly logPrompts: () => boolean,
  ) {}

  passthrough(): void {
    this.metrics.request('passthrough');
  }

  decision(d: RouteDecisionRecord): void {
    this.ring.push(d);
  }

  onOutcome(o: RequestOutcome): void {
    this.metrics.request(o.errorType ?? 'ok', o);
    this.logger.info(formatRequestLog(o, { prompts: this.logPrompts() }), 'request finished');
  }
}
