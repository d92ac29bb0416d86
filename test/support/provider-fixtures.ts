/**
 * Access to the hand-written provider response vectors in `test/fixtures/providers`
 * (see the README there for where each format is documented).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../fixtures/providers/', import.meta.url));

/** Bytes of the vector `name` (file name with extension). */
export function providerFixture(name: string): Buffer {
  return readFileSync(`${DIR}${name}`);
}

/** The vector `name` parsed as JSON. */
export function providerJson<T = unknown>(name: string): T {
  return JSON.parse(providerFixture(name).toString('utf8')) as T;
}
