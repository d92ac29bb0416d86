/**
 * What converting a client API's whole response into its stream (or a stream into the whole
 * response) answers: the bytes of the other form, or why it cannot be made. A response holding
 * something the other form of its API cannot carry is refused, never approximated.
 */
import { SseParser, type SseEvent } from '../apis/sse.js';

/** The converted body, or the reason there is none. */
export type FormConversion = { readonly body: Buffer; readonly refused?: undefined } | { readonly refused: string };

/** A refusal with its reason. */
export function refused(reason: string): FormConversion {
  return { refused: reason };
}

/** The JSON of `value` as a converted body. */
export function jsonBody(value: unknown): FormConversion {
  return { body: Buffer.from(JSON.stringify(value), 'utf8') };
}

/** Every event of a whole server-sent events body. */
export function sseEvents(body: Buffer): SseEvent[] {
  const parser = new SseParser();
  return [...parser.push(body), ...parser.end()];
}
