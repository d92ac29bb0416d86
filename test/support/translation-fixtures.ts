/** Access to the translation vectors in `test/fixtures/translation` (see the README there). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../fixtures/translation/', import.meta.url));

/** A Bedrock event as the `.events.json` vectors hold it. */
export interface RecordedAwsEvent {
  readonly eventType: string;
  readonly payload: unknown;
}

/** Bytes of the vector `name`. */
export function translationFixture(name: string): Buffer {
  return readFileSync(`${DIR}${name}`);
}

/** The vector `name` parsed as JSON (default: a list of Bedrock events). */
export function translationJson<T = RecordedAwsEvent[]>(name: string): T {
  return JSON.parse(translationFixture(name).toString('utf8')) as T;
}
