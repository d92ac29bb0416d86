/**
 * The last N routing decisions, for the debug endpoint. Fixed memory; no bodies, no credentials.
 */
import type { RouteDecisionRecord } from '../processor/outcome.js';

/**
 * Longest model name kept (longer ones are cut and end in `…`): the model comes from the client,
 * and the ring must stay small however large the bodies are.
 */
export const MAX_MODEL_CHARS = 256;

/** A decision with the time it was made. */
export interface TimedDecision extends RouteDecisionRecord {
  /** ISO 8601 time. */
  readonly at: string;
}

/** A ring buffer of recent decisions. */
export class DecisionRing {
  private readonly items: Array<TimedDecision | undefined>;
  private next = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<TimedDecision | undefined>(Math.max(0, capacity));
  }

  /** Records a decision (dropping the oldest when full). */
  push(d: RouteDecisionRecord, now: number = Date.now()): void {
    if (this.capacity === 0) return;
    const model = d.model.length > MAX_MODEL_CHARS ? `${d.model.slice(0, MAX_MODEL_CHARS)}…` : d.model;
    this.items[this.next] = { ...d, model, at: new Date(now).toISOString() };
    this.next = (this.next + 1) % this.capacity;
  }

  /** Newest first. */
  list(): TimedDecision[] {
    const out: TimedDecision[] = [];
    for (let i = 1; i <= this.capacity; i++) {
      const item = this.items[(this.next - i + this.capacity) % this.capacity];
      if (item) out.push(item);
    }
    return out;
  }
}
