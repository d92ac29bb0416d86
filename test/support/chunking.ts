/**
 * Test helpers that cut bodies into chunks of random sizes, reproducibly (seeded), to exercise
 * parsers on splits at arbitrary bytes the way Envoy delivers body chunks.
 */

/** A small seeded PRNG (mulberry32); returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits `bytes` into chunks of 1..maxChunk bytes (sizes drawn from `random`). */
export function randomChunks(bytes: Uint8Array, random: () => number, maxChunk = 64): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < bytes.length) {
    const size = 1 + Math.floor(random() * maxChunk);
    out.push(bytes.subarray(i, Math.min(bytes.length, i + size)));
    i += size;
  }
  return out;
}

/** Feeds `body` to `sink` in random chunks and returns what `sink.end()` returns. */
export function feedChunked<T>(
  sink: { push(chunk: Uint8Array): void; end(): T },
  body: Uint8Array | string,
  seed: number,
  maxChunk = 64,
): T {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  for (const c of randomChunks(bytes, seededRandom(seed), maxChunk)) sink.push(c);
  return sink.end();
}

/**
 * Splits `bytes` at the given points (each taken modulo `length + 1`, duplicates dropped, in
 * order), so property tests can cut a body anywhere; chunks may be empty.
 */
export function splitAt(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const cuts = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    chunks.push(bytes.subarray(prev, c));
    prev = c;
  }
  return chunks;
}
