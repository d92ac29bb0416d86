/**
 * One HTTP request as Envoy's ext_proc filter drives it, seen from the client side: open a
 * stream, send each phase's message and await its reply before the next (as Envoy does),
 * half-close at the end and await the status (Envoy with its `ext_proc_graceful_grpc_close`
 * runtime guard on; without it Envoy also resets the stream, which
 * test/integration/stream-reset-limit.test.ts covers), and time every round trip.
 */
import type * as grpc from '@grpc/grpc-js';
import type { ExtProcClient } from '../test/harness/ext-proc-client.js';
import type { InboundReply, OutboundMessage } from '../test/harness/wire.js';

/** Labels of the timed steps; `close` is half-close → the server's status. */
export type StepLabel = 'requestHeaders' | 'requestBody' | 'responseHeaders' | 'responseBody' | 'close';

/** One message of a script and the label its round trip is recorded under. */
export interface ScriptStep {
  readonly label: Exclude<StepLabel, 'close'>;
  readonly message: OutboundMessage;
}

/** Round-trip times (ms) per step label. */
export type Timings = Record<StepLabel, number[]>;

/** Empty timings. */
export function newTimings(): Timings {
  return { requestHeaders: [], requestBody: [], responseHeaders: [], responseBody: [], close: [] };
}

/** A stream on which each message is answered before the next is sent. */
export class PhaseStream {
  private readonly call: grpc.ClientDuplexStream<OutboundMessage, InboundReply>;
  private waiter: { resolve: (r: InboundReply) => void; reject: (e: Error) => void } | undefined;
  private readonly early: InboundReply[] = [];
  private endedWith: grpc.StatusObject | undefined;
  /** Resolves with the status the server ended the stream with. */
  readonly status: Promise<grpc.StatusObject>;

  constructor(client: ExtProcClient) {
    this.call = client.open();
    this.call.on('data', (reply: InboundReply) => {
      const w = this.waiter;
      if (w) {
        this.waiter = undefined;
        w.resolve(reply);
      } else {
        this.early.push(reply);
      }
    });
    this.call.on('error', () => undefined); // the status carries the outcome
    this.status = new Promise((resolve) => {
      this.call.on('status', (s: grpc.StatusObject) => {
        this.endedWith = s;
        const w = this.waiter;
        this.waiter = undefined;
        w?.reject(new Error(`stream ended before a reply: ${s.code} ${s.details}`));
        resolve(s);
      });
    });
  }

  /** Sends `message` and resolves with the reply to it. */
  send(message: OutboundMessage): Promise<InboundReply> {
    this.call.write(message);
    const queued = this.early.shift();
    if (queued) return Promise.resolve(queued);
    if (this.endedWith) return Promise.reject(new Error(`stream already ended: ${this.endedWith.code}`));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Half-closes (end of the HTTP request as Envoy signals it) and resolves with the status. */
  close(): Promise<grpc.StatusObject> {
    this.call.end();
    return this.status;
  }
}

/** What one exchange gave. */
export interface ExchangeOutcome {
  readonly ok: boolean;
  /** Replies in order (kept only when asked, for validation). */
  readonly replies?: InboundReply[];
  readonly error?: string;
}

/**
 * Runs `script` on a new stream, recording each round trip in `timings`. When `scheduledAt` is
 * given (open-loop load), the first step is timed from that moment rather than from the send,
 * so a late start counts against the latency (no coordinated omission).
 */
export async function runExchange(
  client: ExtProcClient,
  script: readonly ScriptStep[],
  timings: Timings | undefined,
  opts: { scheduledAt?: number; keepReplies?: boolean } = {},
): Promise<ExchangeOutcome> {
  const stream = new PhaseStream(client);
  const replies: InboundReply[] | undefined = opts.keepReplies ? [] : undefined;
  try {
    for (let i = 0; i < script.length; i++) {
      const step = script[i]!;
      const t0 = i === 0 && opts.scheduledAt !== undefined ? opts.scheduledAt : performance.now();
      const reply = await stream.send(step.message);
      timings?.[step.label].push(performance.now() - t0);
      replies?.push(reply);
      if (reply.response === 'immediateResponse') {
        await stream.close();
        return { ok: false, error: `immediate response ${JSON.stringify(reply.immediateResponse?.status)}`, ...(replies ? { replies } : {}) };
      }
    }
    const t0 = performance.now();
    const status = await stream.close();
    timings?.close.push(performance.now() - t0);
    return status.code === 0 ? { ok: true, ...(replies ? { replies } : {}) } : { ok: false, error: `status ${status.code} ${status.details}` };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
