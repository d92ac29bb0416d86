/**
 * What every provider-to-OpenAI stream converter shares: one chunk writer, the role chunk written
 * once when the first content comes, and `[DONE]` appended to the bytes taken after the stream
 * finished.
 */
import type { ResponseContext } from './anthropic-to-openai.js';
import { OpenAiChunkWriter } from './openai-chunks.js';

/** Base of the converters that write OpenAI `chat.completion.chunk` events. */
export abstract class OpenAiChunkStream {
  protected readonly w: OpenAiChunkWriter;
  /** The role chunk was written. */
  protected started = false;
  /** The stream ended: the next {@link take} ends with `[DONE]`. */
  protected finished = false;

  constructor(ctx: ResponseContext) {
    this.w = new OpenAiChunkWriter(ctx.id, ctx.created, ctx.model);
  }

  /** Writes the role chunk, once. */
  protected start(): void {
    if (this.started) return;
    this.started = true;
    this.w.role();
  }

  /** The client bytes written since the last call (`[DONE]` after the last). */
  take(): Buffer {
    if (this.finished) {
      this.finished = false;
      return this.w.take(true);
    }
    return this.w.take();
  }
}
