/**
 * The ext_proc stream loop: one gRPC stream per HTTP request, one message at a time, replies
 * written in order with backpressure. The loop owns the call; the processor owns the request.
 */
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { InvalidProcessingRequestError } from '../envoy/messages.js';
import type { DecodedProcessingRequest } from '../envoy/process-codec.js';
import { ProtocolError } from '../errors.js';
import type { PhaseMessage, PhaseReply } from '../hooks/phase.js';
import { CallMessages } from './call-messages.js';

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

async function write(call: ProcessCall, msg: PhaseReply): Promise<void> {
  if (!call.write(msg)) await once(call, 'drain');
}

/** Serves one ext_proc stream to its end. Never throws. */
export async function serveStream(call: ProcessCall, deps: StreamDeps): Promise<void> {
  const logger = deps.logger.child({ stream: deps.nextStreamId() });
  const processor = deps.newProcessor(logger);
  let end: StreamEnd = 'completed';
  try {
    // CallMessages, not call.iterator(): same order and flow control, a fraction of the cost;
    // like iterator({ destroyOnReturn: false }) it never destroys the call, which must still
    // send its status after Envoy's half-close.
    for await (const phase of new CallMessages<DecodedProcessingRequest>(call)) {
      if (phase instanceof Error) throw phase; // bytes the codec could not take
      const replies = await processor.handle(phase);
      if (phase.observabilityMode || call.cancelled) continue; // Envoy does not read replies in observability mode
      for (const reply of replies) await write(call, reply);
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
      processor.finish(end);
    } catch (err) {
      logger.error({ err }, 'request finish failed');
    }
    deps.onEnd(end);
    if (end !== 'error' && !call.cancelled && !call.writableEnded) call.end();
  }
}

function isCancellation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  return e?.code === grpc.status.CANCELLED || e?.code === 'ERR_STREAM_PREMATURE_CLOSE' || e?.code === 'ABORT_ERR';
}
