/**
 * A stream handler for event streams whose usage comes in one closing event (OpenAI audio and
 * image generation): that event's data is read as the whole non-streamed body would be, and an
 * `error` event marks the result as failed.
 */
import type { ResponseInfo } from './api.js';
import { asObject, parseJson } from './json-fields.js';
import { sseEventType, type StreamHandler } from './response-readers.js';
import type { SseEvent } from './sse.js';

/** Follows an event stream that reports its facts in an event of one of `doneTypes`. */
export class DoneEventStream implements StreamHandler<SseEvent> {
  private info: ResponseInfo = { usage: {} };

  /**
   * @param doneTypes event types that carry the facts
   * @param read reads the facts from such an event's JSON data (an empty object when it is not one)
   */
  constructor(
    private readonly doneTypes: ReadonlySet<string>,
    private readonly read: (top: Readonly<Record<string, unknown>>) => ResponseInfo,
  ) {}

  onEvent(ev: SseEvent): void {
    const type = sseEventType(ev);
    if (type !== undefined && this.doneTypes.has(type)) {
      this.info = this.read(asObject(parseJson(ev.data)) ?? {});
    } else if (type === 'error') {
      this.info = { ...this.info, errorType: 'error' };
    }
  }

  finish(): ResponseInfo {
    return this.info;
  }
}
