/**
 * Body chunks as Envoy's HTTP/1 codec delivers them to filters: each data chunk as it arrives,
 * end_of_stream on the chunk that completes a declared content-length, otherwise an empty
 * final chunk with end_of_stream once the source ends.
 */

/** One body chunk with its end-of-stream flag. */
export interface BodyChunk {
  readonly data: Buffer;
  readonly eos: boolean;
}

/** Splits a byte source into Envoy-style chunks (see module doc). Extra bytes after eos are dropped. */
export async function* bodyChunks(
  source: AsyncIterable<Buffer | string>,
  contentLength: number | undefined,
): AsyncGenerator<BodyChunk> {
  let seen = 0;
  let ended = false;
  for await (const raw of source) {
    if (ended) continue;
    const data = typeof raw === 'string' ? Buffer.from(raw) : raw;
    seen += data.length;
    ended = contentLength !== undefined && seen >= contentLength;
    yield { data, eos: ended };
  }
  if (!ended) yield { data: Buffer.alloc(0), eos: true };
}

/** Parses a content-length header value; undefined when absent or not a plain number. */
export function parseContentLength(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
