/**
 * Test helpers for the translation module: provider streams encoded the way providers send them
 * (AWS event-stream frames for Bedrock), and a driver that feeds a response translator chunk by
 * chunk and collects what the client would receive.
 */
import { EventStreamCodec, type MessageHeaders } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import type { ResponseTranslator } from '../../src/translation/contract.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function frame(headers: MessageHeaders, payload: string): Buffer {
  return Buffer.from(codec.encode({ headers, body: Buffer.from(payload, 'utf8') }));
}

/** One Bedrock event frame (`:message-type: event`) with a JSON payload. */
export function awsEventFrame(eventType: string, payload: unknown): Buffer {
  return frame(
    {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    JSON.stringify(payload),
  );
}

/** One Bedrock exception frame. */
export function awsExceptionFrame(exceptionType: string, message: string): Buffer {
  return frame(
    {
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    JSON.stringify({ message }),
  );
}

/** A ConverseStream body of `{eventType, payload}` events. */
export function converseStream(events: ReadonlyArray<{ eventType: string; payload: unknown }>): Buffer {
  return Buffer.concat(events.map((e) => awsEventFrame(e.eventType, e.payload)));
}

/** An InvokeModelWithResponseStream body: each model event wrapped as `chunk` `{"bytes": base64}`. */
export function invokeStream(events: readonly unknown[]): Buffer {
  return Buffer.concat(events.map((e) => awsEventFrame('chunk', { bytes: Buffer.from(JSON.stringify(e)).toString('base64') })));
}

/** Feeds `chunks` to `rt` (the last with `end`) and returns everything it wrote. */
export function runTranslator(rt: ResponseTranslator, chunks: readonly Uint8Array[]): Buffer {
  const out: Buffer[] = [];
  chunks.forEach((c, i) => out.push(rt.push(Buffer.from(c), i === chunks.length - 1)));
  if (chunks.length === 0) out.push(rt.push(Buffer.alloc(0), true));
  return Buffer.concat(out);
}

/** `bytes` cut at the sorted, distinct positions `cuts`. */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}

/** The JSON payloads of the `data:` lines of an SSE text (`[DONE]` kept as the string). */
export function sseData(text: string): unknown[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6))
    .map((d) => (d === '[DONE]' ? d : (JSON.parse(d) as unknown)));
}
