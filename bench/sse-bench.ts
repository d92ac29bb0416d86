/**
 * SSE usage parsing: the OpenAI Chat Completions response parser the service runs on streamed
 * responses (`newCompletionResponseParser` from src/apis), fed a large SSE body, against a
 * straightforward reader that decodes the text, splits lines and `JSON.parse`s every `data:`
 * line. Both must find the same usage.
 */
import { newCompletionResponseParser } from '../src/apis/openai-completion-readers.js';
import { chatSseChunks } from './bodies.js';
import { timePair } from './timing.js';

/** Timing of one feeding pattern (ns per whole body). */
export interface SseTiming {
  /** How the body was fed: one provider chunk per push, or fixed-size slices. */
  readonly feeding: string;
  readonly bytes: number;
  readonly parserNs: number;
  readonly naiveNs: number;
}

function ours(chunks: readonly Buffer[]): number | undefined {
  const parser = newCompletionResponseParser({ stream: true, contentType: 'text/event-stream' });
  for (const c of chunks) parser.push(c);
  return parser.end().usage.total;
}

function naive(chunks: readonly Buffer[]): number | undefined {
  let pending = '';
  let total: number | undefined;
  for (const c of chunks) {
    pending += c.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') continue;
      const o = JSON.parse(data) as { usage?: { total_tokens?: number } | null };
      if (o.usage) total = o.usage.total_tokens;
    }
  }
  return total;
}

function slices(chunks: readonly Buffer[], size: number): Buffer[] {
  const all = Buffer.concat(chunks);
  const out: Buffer[] = [];
  for (let off = 0; off < all.length; off += size) out.push(all.subarray(off, off + size));
  return out;
}

/**
 * Times both readers on an SSE body of `events` chunks, fed one provider chunk per push and in
 * 16 KB slices.
 */
export function timeSse(events = 10_000, opts: { rounds?: number; batchMs?: number } = {}): SseTiming[] {
  const perEvent = chatSseChunks(events);
  const feeds: Array<[string, Buffer[]]> = [
    ['one SSE chunk per push', perEvent],
    ['16 KB slices', slices(perEvent, 16 * 1024)],
  ];
  const out: SseTiming[] = [];
  for (const [feeding, chunks] of feeds) {
    const a = ours(chunks);
    const b = naive(chunks);
    if (a === undefined || a !== b) throw new Error(`usage mismatch (${feeding}): parser ${a}, naive ${b}`);
    const t = timePair(() => ours(chunks), () => naive(chunks), opts);
    out.push({ feeding, bytes: chunks.reduce((n, c) => n + c.length, 0), parserNs: t.aNs, naiveNs: t.bNs });
  }
  return out;
}
