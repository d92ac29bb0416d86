/**
 * Top-level key matching for the JSON scanner (`json-scan.ts`): is the key string at a byte
 * range one of the requested names, compared as `JSON.parse` would see it (after unescaping,
 * invalid UTF-8 replaced with U+FFFD)?
 */

/** Requested key names, prepared for byte comparison. */
export interface PreparedKeys {
  /** The requested names. */
  readonly names: ReadonlySet<string>;
  /** ASCII names with their bytes (compared without decoding). */
  readonly ascii: ReadonlyArray<{ readonly name: string; readonly bytes: Uint8Array }>;
  /** True when some name is not pure ASCII (such names are compared after decoding). */
  readonly hasNonAscii: boolean;
}

/** Prepared names by set: APIs pass the same (module-level) set on every request. */
const prepared = new WeakMap<ReadonlySet<string>, PreparedKeys>();

/**
 * Prepares the requested names for {@link matchKey}, once per set object (a set must not be
 * changed after it was scanned with; every caller passes a constant one). Preparing on every
 * scan cost about 1.7 µs per call for the seven keys of a response reader.
 */
export function prepareKeys(names: ReadonlySet<string>): PreparedKeys {
  const cached = prepared.get(names);
  if (cached !== undefined && cached.names.size === names.size) return cached;
  const ascii: Array<{ name: string; bytes: Uint8Array }> = [];
  let hasNonAscii = false;
  for (const name of names) {
    if (/^[\x00-\x7f]*$/.test(name)) ascii.push({ name, bytes: Buffer.from(name, 'latin1') });
    else hasNonAscii = true;
  }
  const keys = { names, ascii, hasNonAscii };
  prepared.set(names, keys);
  return keys;
}

/**
 * The requested name equal to the JSON string whose content is `b[s, e)` (quotes excluded; the
 * content must already be validated), or null. `escaped` tells whether the content holds a
 * backslash. Plain ASCII keys are compared as bytes; others are decoded as `JSON.parse` would.
 */
export function matchKey(b: Buffer, s: number, e: number, escaped: boolean, keys: PreparedKeys): string | null {
  if (!escaped) {
    const len = e - s;
    for (const k of keys.ascii) {
      if (k.bytes.length !== len) continue;
      let j = 0;
      while (j < len && b[s + j] === k.bytes[j]) j++;
      if (j === len) return k.name;
    }
    // Bytes >= 0x80 never decode to ASCII, so only non-ASCII names can still match.
    if (!keys.hasNonAscii) return null;
    let ascii = true;
    for (let j = s; j < e; j++) if (b[j]! >= 0x80) ascii = false;
    if (ascii) return null;
  }
  const name = JSON.parse(b.toString('utf8', s - 1, e + 1)) as string;
  return keys.names.has(name) ? name : null;
}
