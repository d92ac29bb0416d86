import { isUtf8 } from 'node:buffer';

/**
 * Fast paths for the most common stream event of each provider — a plain text delta — found by
 * an anchored pattern over the event's JSON text instead of a full `JSON.parse`. The text's JSON
 * string literal is copied verbatim into the client event (a JSON string literal means the same
 * in every JSON document), so the text is neither decoded nor re-encoded. Any event that does
 * not match exactly (other keys, other order, other types) takes the general path, which parses.
 */

/** A complete JSON string literal (strict escapes, no raw control characters). */
const LIT = String.raw`"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"`;

/** The same event, any text (escapes included), by pattern. */
const ANTHROPIC_TEXT = new RegExp(String.raw`^\{"type":"content_block_delta","index":\d{1,9},"delta":\{"type":"text_delta","text":(${LIT})\}\}$`);

const ANTHROPIC_HEAD = '{"type":"content_block_delta","index":';
const ANTHROPIC_MID = ',"delta":{"type":"text_delta","text":"';
/** Characters a literal's body cannot hold raw: quote, backslash, controls. */
const SPECIAL = /["\\\u0000-\u001f]/;

/**
 * The text of an Anthropic `text_delta` event as the inside of a JSON string literal (quotes
 * removed; escapes kept as written), else undefined.
 */
export function anthropicTextDelta(data: string): string | undefined {
  if (!data.startsWith(ANTHROPIC_HEAD) || !data.endsWith('"}}')) return undefined;
  // The common case, checked without a backtracking pattern: a text with nothing escaped.
  const mid = data.indexOf(ANTHROPIC_MID, ANTHROPIC_HEAD.length);
  if (mid > ANTHROPIC_HEAD.length && mid <= ANTHROPIC_HEAD.length + 9 && isDigits(data, ANTHROPIC_HEAD.length, mid)) {
    const body = data.slice(mid + ANTHROPIC_MID.length, data.length - 3);
    if (!SPECIAL.test(body)) return body;
  }
  return ANTHROPIC_TEXT.exec(data)?.[1]?.slice(1, -1);
}

function isDigits(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

const OPENAI_TEXT = new RegExp(
  String.raw`^\{"id":"[^"\\]*","object":"chat\.completion\.chunk","created":\d+,"model":"[^"\\]*"(?:,"(?:service_tier|system_fingerprint)":(?:null|"[^"\\]*"))*,"choices":\[\{"index":0,"delta":\{"content":(${LIT})\}(?:,"logprobs":null)?,"finish_reason":null\}\](?:,"usage":null)?(?:,"(?:obfuscation|system_fingerprint|service_tier)":(?:null|"[^"\\]*"))*\}$`,
);

/** The text literal of an OpenAI chunk that holds only a content delta of choice 0, else undefined. */
export function openAiTextDelta(data: string): string | undefined {
  return OPENAI_TEXT.exec(data)?.[1];
}

const GEMINI_TEXT = new RegExp(
  String.raw`^\{\s*"candidates":\s*\[\s*\{\s*"content":\s*\{\s*"parts":\s*\[\s*\{\s*"text":\s*(${LIT})\s*\}\s*\],\s*"role":\s*"model"\s*\},\s*"index":\s*0\s*\}\s*\]\s*([,}])`,
);

/**
 * The text literal of a Gemini response whose only candidate holds one text part and no finish
 * reason, else undefined. The rest of the response (usage, model version, id) is not read here.
 */
export function geminiTextDelta(data: string): string | undefined {
  return GEMINI_TEXT.exec(data)?.[1];
}

const CONVERSE_TEXT = new RegExp(String.raw`^\{"contentBlockIndex":\d{1,9},"delta":\{"text":(${LIT})\}(?:,"p":"[^"\\]*")?\}$`);

/** The text literal of a ConverseStream `contentBlockDelta` payload holding only text, else undefined. */
export function converseTextDelta(data: string): string | undefined {
  return CONVERSE_TEXT.exec(data)?.[1];
}

const A_EVENT = Buffer.from('event: content_block_delta\ndata: {"type":"content_block_delta","index":');
const A_MID = Buffer.from(',"delta":{"type":"text_delta","text":"');
const A_END = Buffer.from('"}}\n\n');

/**
 * Byte-level form of {@link anthropicTextDelta} for a whole SSE event at `b[at..]`
 * (`event: content_block_delta` LF `data: {…text_delta…}` LF LF). The text's bytes must form the
 * inside of a valid JSON string literal (valid escapes, no raw control characters, valid UTF-8),
 * so copying them yields the same bytes as decoding and re-encoding would. Writes the text's
 * byte range and the event's end into `span` (`[start, end, eventEnd]`) and returns true; false
 * when the bytes there are anything else.
 */
export function anthropicTextEventAt(b: Buffer, at: number, span: Int32Array): boolean {
  const n = b.length;
  if (n - at < A_EVENT.length + 1 + A_MID.length + A_END.length) return false;
  if (b.compare(A_EVENT, 0, A_EVENT.length, at, at + A_EVENT.length) !== 0) return false;
  let i = at + A_EVENT.length;
  const digits = i;
  while (i < n && i - digits < 9 && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
  if (i === digits || n - i < A_MID.length || b.compare(A_MID, 0, A_MID.length, i, i + A_MID.length) !== 0) return false;
  const start = i + A_MID.length;
  let j = start;
  let ascii = true;
  for (; j < n; j++) {
    const c = b[j]!;
    if (c === 0x22) break;
    if (c < 0x20) return false;
    if (c >= 0x80) ascii = false;
    else if (c === 0x5c) {
      const e = b[j + 1];
      if (e === 0x75) {
        if (j + 5 >= n || !isHex(b[j + 2]!) || !isHex(b[j + 3]!) || !isHex(b[j + 4]!) || !isHex(b[j + 5]!)) return false;
        j += 5;
      } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        j += 1;
      } else {
        return false;
      }
    }
  }
  if (n - j < A_END.length || b.compare(A_END, 0, A_END.length, j, j + A_END.length) !== 0) return false;
  if (!ascii && !isUtf8(b.subarray(start, j))) return false;
  span[0] = start;
  span[1] = j;
  span[2] = j + A_END.length;
  return true;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
