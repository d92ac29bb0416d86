/**
 * Usage for OpenAI streaming requests whose client did not ask for it. OpenAI (and compatible
 * servers) report token usage in a stream only when `stream_options.include_usage` is true, as
 * one extra final chunk with `choices: []` and a `usage` object. We set the flag on the way in
 * ({@link injectIncludeUsage}) and remove that chunk on the way out ({@link UsageChunkStripper}),
 * so the client gets exactly the stream it asked for while we still learn the token counts.
 *
 * A client that set `include_usage: false` explicitly gets the same treatment: the flag is set to
 * true upstream and the chunk stripped, so the client still sees no usage chunk. A client that set
 * it true is left alone and keeps its chunk.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LF = 0x0a;
const CR = 0x0d;

function isWs(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === LF || c === CR;
}

function skipWs(b: Buffer, i: number): number {
  while (i < b.length && isWs(b[i])) i++;
  return i;
}

/** Index just after the string starting at `i` (`b[i]` is `"`), or -1 when unterminated. */
function skipString(b: Buffer, i: number): number {
  for (i++; i < b.length; i++) {
    const c = b[i];
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) i++;
  }
  return -1;
}

/**
 * Index just after the JSON value starting at `i`, or -1 when truncated. Containers are skipped
 * by bracket depth (strings skipped whole); the body has already been accepted by `JSON.parse`
 * upstream of this code, so full validation is not repeated here.
 */
function skipValue(b: Buffer, i: number): number {
  const c = b[i];
  if (c === QUOTE) return skipString(b, i);
  if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
    let depth = 0;
    while (i < b.length) {
      const ch = b[i]!;
      if (ch === QUOTE) {
        i = skipString(b, i);
        if (i < 0) return -1;
        continue;
      }
      if (ch === 0x7b || ch === 0x5b) depth++;
      else if (ch === 0x7d || ch === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  let j = i;
  while (j < b.length && !isWs(b[j]) && b[j] !== 0x2c && b[j] !== 0x7d && b[j] !== 0x5d) j++;
  return j > i ? j : -1;
}

/** One `"key": value` member of an object, by byte offsets. */
interface Member {
  /** The key as `JSON.parse` reads it (escapes decoded). */
  readonly key: string;
  readonly valueStart: number;
  readonly valueEnd: number;
}

/** The members of the object opening at `open`, and the offset of its closing brace. */
function scanObject(b: Buffer, open: number): { members: Member[]; close: number } | undefined {
  const members: Member[] = [];
  let i = skipWs(b, open + 1);
  if (b[i] === 0x7d) return { members, close: i };
  for (;;) {
    if (b[i] !== QUOTE) return undefined;
    const keyEnd = skipString(b, i);
    if (keyEnd < 0) return undefined;
    let key: unknown;
    try {
      key = JSON.parse(b.toString('utf8', i, keyEnd));
    } catch {
      return undefined;
    }
    i = skipWs(b, keyEnd);
    if (b[i] !== 0x3a /* : */) return undefined;
    i = skipWs(b, i + 1);
    const valueEnd = skipValue(b, i);
    if (valueEnd < 0) return undefined;
    members.push({ key: key as string, valueStart: i, valueEnd });
    i = skipWs(b, valueEnd);
    if (b[i] === 0x2c /* , */) {
      i = skipWs(b, i + 1);
      continue;
    }
    return b[i] === 0x7d ? { members, close: i } : undefined;
  }
}

/** The member `JSON.parse` keeps for `key`: the last one. */
function lastMember(members: readonly Member[], key: string): Member | undefined {
  for (let k = members.length - 1; k >= 0; k--) if (members[k]!.key === key) return members[k];
  return undefined;
}

function valueText(b: Buffer, m: Member): string {
  return b.toString('utf8', m.valueStart, m.valueEnd);
}

function splice(b: Buffer, start: number, end: number, insert: string): Buffer {
  return Buffer.concat([b.subarray(0, start), Buffer.from(insert, 'utf8'), b.subarray(end)]);
}

/**
 * For an OpenAI chat/completions or completions request body with `"stream": true`: returns a new
 * body with `stream_options.include_usage` set to true, or undefined when the body needs no change
 * (flag already true, not a streaming request, `stream_options` not an object or null, or not a
 * JSON object). The change is a byte splice — every other byte stays as the client sent it —
 * that adds `stream_options`, adds `include_usage` to it, or replaces its value; `JSON.parse` of
 * the result equals that of the input with the flag set. Where a key appears twice, the last
 * occurrence (the one `JSON.parse` keeps) is the one changed.
 */
export function injectIncludeUsage(body: Buffer): Buffer | undefined {
  const open = skipWs(body, 0);
  if (body[open] !== 0x7b) return undefined;
  const top = scanObject(body, open);
  if (!top || skipWs(body, top.close + 1) !== body.length) return undefined;
  const stream = lastMember(top.members, 'stream');
  if (!stream || valueText(body, stream) !== 'true') return undefined;
  const options = lastMember(top.members, 'stream_options');
  if (!options) return splice(body, top.close, top.close, ',"stream_options":{"include_usage":true}');
  const text = valueText(body, options);
  if (text === 'null') return splice(body, options.valueStart, options.valueEnd, '{"include_usage":true}');
  if (body[options.valueStart] !== 0x7b) return undefined;
  const inner = scanObject(body, options.valueStart);
  if (!inner) return undefined;
  const flag = lastMember(inner.members, 'include_usage');
  if (flag) return valueText(body, flag) === 'true' ? undefined : splice(body, flag.valueStart, flag.valueEnd, 'true');
  return splice(body, inner.close, inner.close, inner.members.length ? ',"include_usage":true' : '"include_usage":true');
}

/** True when an SSE event's data is the usage-only chunk: `choices` an empty array, `usage` an object. */
export function isUsageOnlyEvent(event: Buffer): boolean {
  const text = event.toString('utf8');
  if (!text.includes('usage') && !text.includes('\\u')) return false;
  const data: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === 'data') data.push('');
    else if (line.startsWith('data:')) data.push(line.charCodeAt(5) === 0x20 ? line.slice(6) : line.slice(5));
  }
  if (data.length === 0) return false;
  let chunk: unknown;
  try {
    chunk = JSON.parse(data.join('\n'));
  } catch {
    return false;
  }
  if (chunk === null || typeof chunk !== 'object') return false;
  const { choices, usage } = chunk as { choices?: unknown; usage?: unknown };
  return Array.isArray(choices) && choices.length === 0 && usage !== null && typeof usage === 'object' && !Array.isArray(usage);
}

/**
 * Removes the usage-only chunk from an OpenAI SSE stream, passing every other byte through
 * unchanged. Only the incomplete trailing event is held back between chunks. Events end at a
 * blank line; lines end with LF, CRLF or CR (a CRLF split across chunks is handled).
 */
export class UsageChunkStripper {
  /** Bytes of the current, incomplete event from earlier chunks. */
  private pending: Buffer[] = [];
  /** Length of the current line so far. */
  private lineLen = 0;
  /** The previous byte was a CR (a CRLF may follow). */
  private afterCR = false;
  /** The line the pending CR ended was empty. */
  private crEndedEmptyLine = false;
  private strippedCount = 0;

  /** Number of events removed so far. */
  get stripped(): number {
    return this.strippedCount;
  }

  /** Feeds the next chunk; returns the bytes to send on now. */
  push(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let eventStart = 0;
    const boundary = (end: number): void => {
      const piece = chunk.subarray(eventStart, end);
      const event = this.pending.length ? Buffer.concat([...this.pending, piece]) : piece;
      this.pending = [];
      eventStart = end;
      this.emit(event, out);
    };
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.afterCR) {
        this.afterCR = false;
        this.lineLen = 0;
        if (c === LF) {
          if (this.crEndedEmptyLine) boundary(i + 1);
          continue;
        }
        if (this.crEndedEmptyLine) boundary(i);
      }
      if (c === CR) {
        this.afterCR = true;
        this.crEndedEmptyLine = this.lineLen === 0;
      } else if (c === LF) {
        if (this.lineLen === 0) boundary(i + 1);
        this.lineLen = 0;
      } else {
        this.lineLen++;
      }
    }
    if (eventStart < chunk.length) this.pending.push(chunk.subarray(eventStart));
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** Ends the stream; returns the held-back bytes (a trailing usage-only event is removed too). */
  end(): Buffer {
    this.afterCR = false;
    this.lineLen = 0;
    const rest = Buffer.concat(this.pending);
    this.pending = [];
    const out: Buffer[] = [];
    if (rest.length) this.emit(rest, out);
    return Buffer.concat(out);
  }

  private emit(event: Buffer, out: Buffer[]): void {
    if (isUsageOnlyEvent(event)) this.strippedCount++;
    else if (event.length) out.push(event);
  }
}
