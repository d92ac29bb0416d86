/**
 * The ext_proc stream loop: one gRPC stream per HTTP request, one message at a time, replies
 * written in order with backpressure. The loop owns the call; the processor owns the request.
 *
 * Every stream's processor is finished exactly once, whatever the order of the call's `end`,
 * `error`, `cancelled` and `close` events: the loop has one exit (its `finally`), and nothing
 * inside it can wait for an event a closed call never emits. In particular a reply written to
 * a call that was reset is never acknowledged by grpc-js, so a wait for `drain` also ends when
 * the call closes (before that, a reset arriving with a stream's first messages could leave
 * the loop waiting for `drain` for ever: processor never finished, `streams.active` stuck).
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { InvalidProcessingRequestError } from '../envoy/messages.js';
import type { DecodedProcessingRequest } from '../envoy/process-codec.js';
import { ProtocolError } from '../errors.js';
import type { PhaseMessage, PhaseReply } from '../hooks/phase.js';
import { CallMessages, PrematureCloseError } from './call-messages.js';

/** The duplex call as grpc-js hands it to the handler (the phase codec of `src/envoy/` decodes and encodes). */
export type ProcessCall = grpc.ServerDuplexStream<DecodedProcessingRequest, PhaseReply>;

/** The part of a request processor the loop drives. */
export interface StreamProcessor {
  handle(msg: PhaseMessage): Promise<PhaseReply[]>;
  finish(cause: 'completed' | 'cancelled' | 'error'): void;
}

/** How a stream ended. */
export type StreamEnd = 'completed' | 'cancelled' | 'error';

/** What the loop needs. */
export interface StreamDeps {
  /** A new processor for this HTTP request (captures the current config generation). */
  newProcessor(logger: Logger): StreamProcessor;
  readonly logger: Logger;
  /** Reported once per stream. */
  onEnd(end: StreamEnd): void;
  /** Next stream id, for log lines. */
  nextStreamId(): number;
}

/** The part of the call replies are written to. */
export type ReplySink = Pick<ProcessCall, 'write' | 'once' | 'off' | 'destroyed' | 'cancelled'>;

/**
 * Writes one reply with backpressure: undefined when the call took it at once; when the call's
 * buffer is full, a promise of `drain` — or of the call closing, cancelling or failing, which
 * rejects with {@link PrematureCloseError} (a closed call never drains). Rejects the same way
 * when the call is already closed. (No promise in the common case: one fewer turn per reply.)
 */
export function writeReply(call: ReplySink, msg: PhaseReply): Promise<void> | undefined {
  if (call.destroyed || call.cancelled) return Promise.reject(new PrematureCloseError());
  if (call.write(msg)) return undefined;
  return new Promise<void>((resolve, reject) => {
    const settle = (closed: boolean): void => {
      call.off('drain', onDrain);
      call.off('close', onClosed);
      call.off('cancelled', onClosed);
      call.off('error', onClosed);
      if (closed) reject(new PrematureCloseError());
      else resolve();
    };
    const onDrain = (): void => settle(false);
    const onClosed = (): void => settle(true);
    call.once('drain', onDrain);
    call.once('close', onClosed);
    call.once('cancelled', onClosed);
    call.once('error', onClosed);
    // write() itself may have destroyed the call (a stream error): it will emit no more events.
    if (call.destroyed || call.cancelled) settle(true);
  });
}

/** Serves one ext_proc stream to its end. Never throws. */
export async function serveStream(call: ProcessCall, deps: StreamDeps): Promise<void> {
  const logger = deps.logger.child({ stream: deps.nextStreamId() });
  let processor: StreamProcessor | undefined;
  let end: StreamEnd = 'completed';
  try {
    // Inside the try: a processor that cannot be built still ends the stream (and the gauge).
    const current = (processor = deps.newProcessor(logger));
    // CallMessages, not call.iterator(): same order and flow control, a fraction of the cost;
    // like iterator({ destroyOnReturn: false }) it never destroys the call, which must still
    // send its status after Envoy's half-close.
    for await (const phase of new CallMessages<DecodedProcessingRequest>(call)) {
      if (phase instanceof Error) throw phase; // bytes the codec could not take
      const replies = await current.handle(phase);
      // Envoy does not read replies in observability mode; a closed call takes none (the next read ends the loop).
      if (phase.observabilityMode || call.cancelled || call.destroyed) continue;
      for (const reply of replies) {
        const pending = writeReply(call, reply);
        if (pending) await pending;
      }
    }
  } catch (err) {
    if (call.cancelled || isCancellation(err)) {
      end = 'cancelled';
    } else {
      end = 'error';
      // Envoy (or something speaking for it) broke the protocol: say so, without a stack.
      const protocol = err instanceof InvalidProcessingRequestError || err instanceof ProtocolError;
      if (protocol) logger.warn({ reason: (err as Error).message }, 'ext_proc protocol error');
      else logger.error({ err }, 'ext_proc stream failed');
      if (!call.destroyed) {
        const details = protocol ? `ext_proc protocol error: ${(err as Error).message}` : 'internal error in llm-extproc';
        call.emit('error', { code: protocol ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL, details });
      }
    }
  } finally {
    // A client reset can surface as end-of-input just before grpc-js flags the call cancelled:
    // give the flag one turn of the event loop before classifying the end.
    if (end === 'completed' && !call.cancelled) await new Promise((r) => setImmediate(r));
    if (call.cancelled && end === 'completed') end = 'cancelled';
    try {
      processor?.finish(end);
    } catch (err) {
      logger.error({ err }, 'request finish failed');
    }
    deps.onEnd(end);
    if (end !== 'error' && !call.cancelled && !call.destroyed && !call.writableEnded) call.end();
  }
}

function isCancellation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  return e?.code === grpc.status.CANCELLED || e?.code === 'ERR_STREAM_PREMATURE_CLOSE' || e?.code === 'ABORT_ERR';
}
