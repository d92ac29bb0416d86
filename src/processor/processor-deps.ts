/**
 * What a request processor is built with, besides the request itself.
 */
import type { Logger } from 'pino';
import type { RequestEventSink } from '../hooks/outcome.js';
import type { Generation } from './generation.js';

/** What a processor needs besides its generation. */
export interface ProcessorDeps {
  readonly generation: Generation;
  readonly logger: Logger;
  /** Routing events as they happen (service counters, debug ring). */
  readonly events: RequestEventSink;
  /** Called once per process the first time a request must be routed from headers only. */
  readonly warnStreamedOnce: () => void;
}
