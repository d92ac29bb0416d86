/**
 * Turns request outcomes into service counters, one request log line, and the debug ring.
 */
import type { Logger } from 'pino';
import type { RequestOutcome, RequestOutcomeSink, RouteDecisionRecord } from '../hooks/outcome.js';
import { formatRequestLog } from '../processor/request-log.js';
import type { DecisionRing } from './decision-ring.js';
import type { ServiceMetrics } from './service-metrics.js';

/** The sink every processor reports to. */
export class OutcomeRecorder implements RequestOutcomeSink {
  constructor(
    private readonly metrics: ServiceMetrics,
    private readonly ring: DecisionRing,
    private readonly logger: Logger,
    private readonly logPrompts: () => boolean,
    /** Cost metric, ledger and budget spend (src/ledger/usage-recorder.ts). */
    private readonly usage?: { completed(o: RequestOutcome): void },
  ) {}

  passthrough(): void {
    this.metrics.request('passthrough');
  }

  decision(d: RouteDecisionRecord): void {
    this.ring.push(d);
  }

  completed(o: RequestOutcome): void {
    this.metrics.request(o.errorType ?? 'ok', o);
    this.logger.info(formatRequestLog(o, { prompts: this.logPrompts() }), 'request finished');
    this.usage?.completed(o);
  }
}
