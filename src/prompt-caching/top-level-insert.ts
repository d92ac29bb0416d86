/**
 * Adds members to the top-level JSON object of a body by splicing bytes right after its opening
 * brace: the rest of the body stays byte for byte as the client sent it. The caller checks
 * (with `JSON.parse` semantics) that none of the names is present already, so no duplicate
 * key can change what the provider reads.
 */

function isWs(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * `body` with `members` inserted first in its top-level object, or undefined when the body is
 * not an object (nothing to insert into) or `members` is empty.
 */
export function insertTopLevel(body: Buffer, members: ReadonlyArray<readonly [string, unknown]>): Buffer | undefined {
  if (members.length === 0) return undefined;
  let open = 0;
  while (open < body.length && isWs(body[open])) open++;
  if (body[open] !== 0x7b /* { */) return undefined;
  let next = open + 1;
  while (next < body.length && isWs(body[next])) next++;
  const empty = body[next] === 0x7d; /* } */
  const text = members.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',') + (empty ? '' : ',');
  return Buffer.concat([body.subarray(0, open + 1), Buffer.from(text, 'utf8'), body.subarray(open + 1)]);
}
