/**
 * Re-emitting a request body in FULL_DUPLEX_STREAMED mode: `streamed_response` chunks small
 * enough for one gRPC message each.
 */
import type { PhaseReply } from '../hooks/phase.js';
import { continueReply } from './replies.js';

/** Largest chunk re-emitted in FULL_DUPLEX_STREAMED mode (Envoy's guidance is below 64 KiB per message). */
export const MAX_STREAMED_CHUNK = 62_000;

/** Re-emits `body` as streamed_response chunks of at most {@link MAX_STREAMED_CHUNK} bytes (one empty chunk for an empty body). */
export function reemitStreamed(body: Buffer, endOfStream: boolean): PhaseReply[] {
  const replies: PhaseReply[] = [];
  let off = 0;
  do {
    const chunk = body.subarray(off, off + MAX_STREAMED_CHUNK);
    off += MAX_STREAMED_CHUNK;
    replies.push(continueReply('requestBody', { streamedBody: { chunk, endOfStream: endOfStream && off >= body.length } }));
  } while (off < body.length);
  return replies;
}
