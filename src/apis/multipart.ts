/**
 * Reads a few text fields out of a `multipart/form-data` body (RFC 7578) without decoding its
 * file parts: delimiters are found with `Buffer.indexOf`, only part headers and the requested
 * fields are decoded.
 */
import { clientError } from '../error-catalogue.js';
import type { UserFacingError } from '../errors.js';

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** Boundary parameter of a `multipart/form-data` content type, or undefined. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const m = /;\s*boundary\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]+))/i.exec(contentType);
  const boundary = m?.[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m?.[2];
  // RFC 2046: 1 to 70 characters.
  return boundary !== undefined && boundary.length >= 1 && boundary.length <= 70 ? boundary : undefined;
}

/**
 * Values of the requested text fields. Throws `UserFacingError(400, 'invalid_multipart')` when
 * the content type has no boundary, the body is malformed, or a requested field appears twice
 * (a router must not see one value while the provider takes another). With `partial`, reads the
 * parts complete within the received prefix.
 */
export function readMultipartFields(
  body: Buffer,
  contentType: string | undefined,
  names: ReadonlySet<string>,
  opts?: { partial?: boolean },
): Map<string, string> {
  const partial = opts?.partial === true;
  const boundary = multipartBoundary(contentType);
  if (boundary === undefined) {
    throw clientError('invalid_multipart', { problem: 'no_boundary' });
  }
  const bad = (why: string): UserFacingError => clientError('invalid_multipart', { problem: 'malformed', why });
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const nextDelimiter = Buffer.concat([CRLF, delimiter]);
  const fields = new Map<string, string>();
  let pos: number;
  if (startsWithAt(body, delimiter, 0)) pos = 0;
  else {
    const found = body.indexOf(nextDelimiter);
    if (found < 0) {
      if (partial) return fields;
      throw bad('no boundary delimiter');
    }
    pos = found + 2; // a preamble precedes the first delimiter
  }
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return fields; // close delimiter
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++; // transport padding
    if (pos + 2 > body.length) {
      if (partial) return fields;
      throw bad('missing close delimiter');
    }
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a) throw bad('delimiter not followed by a line break');
    pos += 2;
    let contentStart: number;
    let headers: string;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) {
      headers = ''; // a part without headers
      contentStart = pos + 2;
    } else {
      const headerEnd = body.indexOf(HEADER_END, pos);
      if (headerEnd < 0) {
        if (partial) return fields;
        throw bad('unterminated part headers');
      }
      headers = body.toString('utf8', pos, headerEnd);
      contentStart = headerEnd + 4;
    }
    const next = body.indexOf(nextDelimiter, contentStart);
    if (next < 0) {
      if (partial) return fields;
      throw bad('missing close delimiter');
    }
    const name = dispositionName(headers);
    if (name !== undefined && names.has(name)) {
      if (fields.has(name)) {
        throw clientError('invalid_multipart', { problem: 'duplicate_field', field: name });
      }
      fields.set(name, body.toString('utf8', contentStart, next));
    }
    pos = next + 2;
  }
}

function startsWithAt(body: Buffer, what: Buffer, at: number): boolean {
  return body.length - at >= what.length && body.compare(what, 0, what.length, at, at + what.length) === 0;
}

/** `name` parameter of the part's Content-Disposition header. */
function dispositionName(headers: string): string | undefined {
  for (const line of headers.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim().toLowerCase() !== 'content-disposition') continue;
    const params = line.slice(colon + 1);
    const m = /(?:^|;)\s*name\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]+))/i.exec(params);
    if (m === null) return undefined;
    return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
  }
  return undefined;
}
