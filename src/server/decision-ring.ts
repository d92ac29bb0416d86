/**
 * The last N routing decisions, for the debug endpoint. Fixed memory; no bodies, no credentials.
 */
import type { RouteDecisionRecord } from '../hooks/outcome.js';

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

/** A decision as kept: a copy, with its time as epoch milliseconds (formatted only when listed). */
interface KeptDecision extends RouteDecisionRecord {
  readonly atMs: number;
}

/** A ring buffer of recent decisions. */
export class DecisionRing {
  private items: Array<KeptDecision | undefined>;
  private next = 0;
  private size: number;

  constructor(capacity: number) {
    this.size = Math.max(0, capacity);
    this.items = new Array<KeptDecision | undefined>(this.size);
  }

  /** How many decisions the ring keeps. */
  get capacity(): number {
    return this.size;
  }

  /** Changes how many decisions are kept (a config reload), keeping the newest that still fit. */
  resize(capacity: number): void {
    const size = Math.max(0, capacity);
    if (size === this.size) return;
    const newest = this.kept().slice(0, size).reverse();
    this.size = size;
    this.items = new Array<KeptDecision | undefined>(size);
    newest.forEach((d, i) => (this.items[i] = d));
    this.next = size === 0 ? 0 : newest.length % size;
  }

  /** Records a decision (dropping the oldest when full). */
  push(d: RouteDecisionRecord, now: number = Date.now()): void {
    if (this.size === 0) return;
    const model = d.model.length > MAX_MODEL_CHARS ? `${d.model.slice(0, MAX_MODEL_CHARS)}…` : d.model;
    // One literal, no spread and no date formatting: this runs on every routed request.
    this.items[this.next] = { model, rule: d.rule, outcome: d.outcome, latencyMs: d.latencyMs, atMs: now };
    this.next = (this.next + 1) % this.size;
  }

  /** Newest first. */
  list(): TimedDecision[] {
    return this.kept().map((item) => ({ model: item.model, rule: item.rule, outcome: item.outcome, latencyMs: item.latencyMs, at: new Date(item.atMs).toISOString() }));
  }

  /** The kept records, newest first. */
  private kept(): KeptDecision[] {
    const out: KeptDecision[] = [];
    for (let i = 1; i <= this.size; i++) {
      const item = this.items[(this.next - i + this.size) % this.size];
      if (item) out.push(item);
    }
    return out;
  }
}
