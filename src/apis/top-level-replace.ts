/**
 * Replaces the value of one top-level member of a JSON object body by splicing bytes: the rest
 * of the body stays byte for byte as the client sent it. The member replaced is the one
 * `JSON.parse` reads (the last occurrence), found by the validating scanner.
 */
import { scanTopLevelSpans } from './json-scan.js';

/**
 * `body` with the top-level `key` set to `value`, or undefined when nothing changes: the body is
 * not valid JSON, has no such member, or already holds `value` there.
 */
export function replaceTopLevelValue(body: Buffer, key: string, value: unknown): Buffer | undefined {
  const scan = scanTopLevelSpans(body, new Set([key]));
  if (!scan.ok) return undefined;
  const span = scan.spans?.get(key);
  if (!span || Object.is(scan.values.get(key), value)) return undefined;
  return Buffer.concat([body.subarray(0, span.start), Buffer.from(JSON.stringify(value), 'utf8'), body.subarray(span.end)]);
}
