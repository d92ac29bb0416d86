import { describe, expect, it } from 'vitest';
import { MAX_STREAMED_CHUNK, reemitStreamed } from './streamed-body.js';

const chunks = (replies: ReturnType<typeof reemitStreamed>) =>
  replies.map((r) => (r.kind === 'continue' ? r.streamedBody : undefined));

describe('reemitStreamed', () => {
  it('splits a body into chunks of at most 62,000 bytes that concatenate to it, end_of_stream on the last only', () => {
    const body = Buffer.alloc(MAX_STREAMED_CHUNK * 2 + 5, 7);
    const out = chunks(reemitStreamed(body, true));
    expect(out.map((c) => c!.chunk.length)).toEqual([MAX_STREAMED_CHUNK, MAX_STREAMED_CHUNK, 5]);
    expect(out.map((c) => c!.endOfStream)).toEqual([false, false, true]);
    expect(Buffer.concat(out.map((c) => c!.chunk)).equals(body)).toBe(true);
  });

  it('sends one empty chunk for an empty body, and never end_of_stream when the body goes on', () => {
    expect(chunks(reemitStreamed(Buffer.alloc(0), true))).toEqual([{ chunk: Buffer.alloc(0), endOfStream: true }]);
    expect(chunks(reemitStreamed(Buffer.alloc(MAX_STREAMED_CHUNK), false)).map((c) => c!.endOfStream)).toEqual([false]);
  });
});
