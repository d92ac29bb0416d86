// The WebAssembly text of the JSON validator behind src/apis/json-validator.ts, written with a
// few helpers (the four 16-byte lanes of a 64-byte block repeat the same code). Imported by
// scripts/gen-json-validator.mjs, which assembles it into src/apis/json-validator-wasm.ts.
//
// What the module does, per chunk of the body copied into its memory (see json-validator.ts):
//
// Stage 1, per 64-byte block, with 128-bit SIMD: masks of quotes, backslashes, control bytes and
// whitespace; the characters escaped by an odd run of backslashes (carry across blocks); the
// string mask (prefix XOR of the unescaped quotes, carry across blocks). It rejects control
// bytes inside strings and escapes other than \" \\ \/ \b \f \n \r \t \uXXXX, and writes every
// "token" — a byte outside strings that is not whitespace, plus each opening quote — to an
// array of offsets (eight writes per block without a branch; the token bytes in order are the
// body's skeleton, e.g. `{":[{":",":"},{":",":"}],":"}`).
//
// Stage 2 walks the skeleton with the JSON grammar (an explicit stack of the states to return to,
// so any depth up to STACK_SIZE) and runs a small automaton over each number or literal (every
// byte of a number is a token; the automaton's end tells how many to skip). Common runs of the
// skeleton (`":",` is a key, a colon, a string value and a comma) are checked four tokens at a
// time, from the state alone, without the transition table. Members of the top-level object are written as records (key offset, value
// offset, offset of the `,` or `}` that ends the member) for the caller to match key names.
//
// The technique of stage 1 (bitmasks of a block, odd backslash runs, quote mask by prefix XOR)
// follows Langdale and Lemire, "Parsing Gigabytes of JSON per Second" (VLDB Journal, 2019).

/** Bytes of the body handled per `run` call (a multiple of 64). */
export const CHUNK = 32768;
/** Bytes after the chunk that `run` may read (escape checks look 4 bytes ahead). */
export const LOOKAHEAD = 64;
/** Deepest nesting handled (deeper bodies are left to the JavaScript scanner). */
export const STACK_SIZE = 65535;
/** Most top-level members one chunk can end (each takes at least 5 bytes: `"":0,`). */
export const RECORD_LIMIT = CHUNK / 4;
/** Offsets in the module's memory: [start, size] of each area, checked not to overlap below. */
const AREAS = {
  input: [0, CHUNK + 64 + LOOKAHEAD], // the chunk, rounded up to 64 with spaces, and the lookahead
  transitions: [0x9000, 16 * 256], // [state][byte] -> state or action
  scalar: [0xa000, 23 * 256], // [state][byte] -> state, for numbers and literals
  after: [0xb800, 16], // the state after a value, by the state that expected it
  hex: [0xb900, 256], // 1 for hex digits (entry 0 is the zero byte the token sentinels point to)
  offsets: [0x10000, 2 * (CHUNK + 16)], // u16 token offsets; writes run up to 8 past the count, then 4 sentinels
  stack: [0x21000, STACK_SIZE], // u8 states to return to
  records: [0x31000, RECORD_LIMIT * 12], // top-level members: key, value start, value end (i32 each)
};
/** Start of each area in the module's memory, and its size in 64 KB pages. */
export const LAYOUT = {
  ...Object.fromEntries(Object.entries(AREAS).map(([name, [start]]) => [name, start])),
  pages: Math.ceil(Math.max(...Object.values(AREAS).map(([start, size]) => start + size)) / 65536),
};
{
  const sorted = Object.entries(AREAS).sort((a, b) => a[1][0] - b[1][0]);
  for (let i = 1; i < sorted.length; i++) {
    const [prev, [start, size]] = sorted[i - 1];
    if (start + size > sorted[i][1][0]) throw new Error(`memory areas ${prev} and ${sorted[i][0]} overlap`);
  }
}
/** Results of `run`. */
export const STATUS = { more: 0, valid: 0, invalid: 1, tooDeep: 2 };

// Grammar states (stage 2). The top-level object has states of its own so that its members are
// recorded without a depth test on every token.
const S = {
  topValue: 1, done: 2,
  objFirst: 3, objKey: 4, objColon: 5, objValue: 6, objNext: 7,
  arrFirst: 8, arrValue: 9, arrNext: 10,
  topFirst: 11, topKey: 12, topColon: 13, topMember: 14, topNext: 15,
};
// Transition entries >= 32 are actions.
const A = { err: 32, openObj: 33, openArr: 34, openTop: 35, scalar: 36, topString: 37, topKeyName: 38, topObj: 39, topArr: 40, topScalar: 41, emit: 42, close: 43 };
const ACTIONS = ['err', 'openObj', 'openArr', 'openTop', 'scalar', 'topString', 'topKeyName', 'topObj', 'topArr', 'topScalar', 'emit', 'close'];

/** Stage-2 transitions: [state][token byte] -> next state (< 32) or action. */
function transitions() {
  const t = new Uint8Array(16 * 256).fill(A.err);
  const row = (s, fill, set) => {
    t.fill(fill, s * 256, s * 256 + 256);
    for (const [c, v] of Object.entries(set)) t[s * 256 + c.charCodeAt(0)] = v;
  };
  const ops = { '{': A.err, '}': A.err, '[': A.err, ']': A.err, ':': A.err, ',': A.err };
  row(S.topValue, A.scalar, { ...ops, '{': A.openTop, '[': A.openArr, '"': S.done });
  row(S.objFirst, A.err, { '"': S.objColon, '}': A.close });
  row(S.objKey, A.err, { '"': S.objColon });
  row(S.objColon, A.err, { ':': S.objValue });
  row(S.objValue, A.scalar, { ...ops, '{': A.openObj, '[': A.openArr, '"': S.objNext });
  row(S.objNext, A.err, { ',': S.objKey, '}': A.close });
  row(S.arrFirst, A.scalar, { ...ops, '{': A.openObj, '[': A.openArr, '"': S.arrNext, ']': A.close });
  row(S.arrValue, A.scalar, { ...ops, '{': A.openObj, '[': A.openArr, '"': S.arrNext });
  row(S.arrNext, A.err, { ',': S.arrValue, ']': A.close });
  row(S.topFirst, A.err, { '"': A.topKeyName, '}': A.close });
  row(S.topKey, A.err, { '"': A.topKeyName });
  row(S.topColon, A.err, { ':': S.topMember });
  row(S.topMember, A.topScalar, { ...ops, '{': A.topObj, '[': A.topArr, '"': A.topString });
  row(S.topNext, A.err, { ',': A.emit, '}': A.emit });
  return t;
}

/** State after a value, by the state that expected it. */
function afterValue() {
  const a = new Uint8Array(16);
  a[S.topValue] = S.done;
  a[S.objValue] = S.objNext;
  a[S.arrFirst] = S.arrNext;
  a[S.arrValue] = S.arrNext;
  a[S.topMember] = S.topNext;
  return a;
}

// Numbers and literals: a byte-at-a-time automaton started on the token's first byte; SCALAR_END
// means the byte after the token ends it (whitespace, an operator or a quote), 0 rejects.
const SCALAR_END = 22;
function scalarAutomaton() {
  const d = new Uint8Array(23 * 256);
  const on = (s, chars, to) => {
    for (const c of chars) d[s * 256 + c.charCodeAt(0)] = to;
  };
  const ends = ' \t\n\r{}[]:,"';
  const digits = '0123456789';
  on(1, '-', 2); on(1, '0', 3); on(1, '123456789', 4); on(1, 't', 10); on(1, 'f', 13); on(1, 'n', 17);
  on(2, '0', 3); on(2, '123456789', 4);
  on(3, '.', 5); on(3, 'eE', 7); on(3, ends, SCALAR_END);
  on(4, digits, 4); on(4, '.', 5); on(4, 'eE', 7); on(4, ends, SCALAR_END);
  on(5, digits, 6);
  on(6, digits, 6); on(6, 'eE', 7); on(6, ends, SCALAR_END);
  on(7, '+-', 8); on(7, digits, 9);
  on(8, digits, 9);
  on(9, digits, 9); on(9, ends, SCALAR_END);
  on(10, 'r', 11); on(11, 'u', 12); on(12, 'e', 21);
  on(13, 'a', 14); on(14, 'l', 15); on(15, 's', 16); on(16, 'e', 21);
  on(17, 'u', 18); on(18, 'l', 19); on(19, 'l', 21);
  on(21, ends, SCALAR_END);
  return d;
}

function hexDigits() {
  const h = new Uint8Array(256);
  for (const c of '0123456789abcdefABCDEF') h[c.charCodeAt(0)] = 1;
  return h;
}

const data = (offset, bytes) => `(data (i32.const ${offset}) "${Array.from(bytes, (b) => `\\${b.toString(16).padStart(2, '0')}`).join('')}")`;
const splat = (b) => `(v128.const i8x16 ${Array(16).fill(b).join(' ')})`;
const bytes16 = (arr) => `(v128.const i8x16 ${arr.join(' ')})`;
const LANES = [0, 1, 2, 3];
const get = (name) => `(local.get $${name})`;
const g = (name) => `(global.get $${name})`;
const not = (x) => `(i64.xor ${x} (i64.const -1))`;
/** One 64-bit mask from the four lanes' 16-bit masks. */
const mask64 = (lane) =>
  `(i64.or (i64.extend_i32_u (i32.or ${lane(0)} (i32.shl ${lane(1)} (i32.const 16)))) (i64.shl (i64.extend_i32_u (i32.or ${lane(2)} (i32.shl ${lane(3)} (i32.const 16)))) (i64.const 32)))`;
const anyOf = (names) => names.map(get).reduce((a, b) => `(v128.or ${a} ${b})`);

/**
 * A set of bytes with distinct low nibbles, as a table for `byte == table[byte & 15]`. Unused
 * entries hold a byte of another low nibble, so that no byte matches them.
 */
const byLowNibble = (chars) => Array.from({ length: 16 }, (_, i) => chars.find((c) => (c & 15) === i) ?? (i === 0 ? 0xff : 0));
// Whitespace: space, tab, LF, CR.
const WS_BY_LOW_NIBBLE = byLowNibble([0x20, 0x09, 0x0a, 0x0d]);
// Escape letters other than r (it shares b's nibble) and u (checked apart): / b f n t.
const ESCAPE_BY_LOW_NIBBLE = byLowNibble([0x2f, 0x62, 0x66, 0x6e, 0x74]);

const OS = LAYOUT.offsets;
/** Four u16 token offsets of a byte that is always 0 (the hex table's entry for NUL). */
const ZERO_BYTES = BigInt(LAYOUT.hex) * 0x0001_0001_0001_0001n;
const push = (after) => `(if (i32.ge_u ${get('depth')} (i32.const ${STACK_SIZE})) (then (return (i32.const ${STATUS.tooDeep}))))
            (i32.store8 offset=${LAYOUT.stack} ${get('depth')} ${after})
            (local.set $depth (i32.add ${get('depth')} (i32.const 1)))`;
const pop = `(local.set $depth (i32.sub ${get('depth')} (i32.const 1)))
            (local.set $state (i32.load8_u offset=${LAYOUT.stack} ${get('depth')}))`;
/** The first `count` (1, 2 or 4) token bytes from token k on, little-endian in an i32. */
const bytesAt = (k, count) => {
  const at = (j) => `(i32.load8_u (i32.load16_u offset=${OS + 2 * j} (i32.shl ${k} (i32.const 1))))`;
  let out = at(0);
  for (let j = 1; j < count; j++) out = `(i32.or ${out} (i32.shl ${at(j)} (i32.const ${8 * j})))`;
  return out;
};
const tokenAt = (k) => `(i32.load16_u offset=${OS} (i32.shl ${k} (i32.const 1)))`;
/** Runs the scalar automaton on the token at k and skips the tokens inside it. */
const scalarToken = `(local.set $e (call $scalar (i32.const 1) ${tokenAt(get('k'))} ${get('limit')}))
            (if (i32.eqz ${get('e')}) (then (return (i32.const ${STATUS.invalid}))))
            (local.set $k (call $skipInside ${get('k')} ${get('n')} ${get('e')}))`;

/** The module text. */
export function validatorWat() {
  return `(module
  (memory (export "memory") ${LAYOUT.pages})
  ${data(LAYOUT.transitions, transitions())}
  ${data(LAYOUT.scalar, scalarAutomaton())}
  ${data(LAYOUT.after, afterValue())}
  ${data(LAYOUT.hex, hexDigits())}

  ;; carried from block to block and chunk to chunk
  (global $inString (mut i64) (i64.const 0))   ;; all ones when the next byte is inside a string
  (global $escCarry (mut i64) (i64.const 0))   ;; 1 when the next byte is escaped
  (global $state (mut i32) (i32.const ${S.topValue}))
  (global $depth (mut i32) (i32.const 0))
  (global $pending (mut i32) (i32.const 0))    ;; scalar automaton state of a token cut by the chunk's end
  (global $scalarEnd (mut i32) (i32.const 0))  ;; set by $scalar: offset of the byte that ended the token
  (global $keyStart (mut i32) (i32.const 0))
  (global $valueStart (mut i32) (i32.const 0))
  (global $records (mut i32) (i32.const 0))

  (func (export "reset")
    (global.set $inString (i64.const 0))
    (global.set $escCarry (i64.const 0))
    (global.set $state (i32.const ${S.topValue}))
    (global.set $depth (i32.const 0))
    (global.set $pending (i32.const 0))
    (global.set $records (i32.const 0)))

  ;; records written by the last run
  (func (export "records") (result i32) ${g('records')})

  ;; Runs the scalar automaton from state s at offset q up to limit. Returns 0 (rejected),
  ;; ${SCALAR_END} (token ended; $scalarEnd is the offset after it) or the state reached at limit.
  (func $scalar (param $s i32) (param $q i32) (param $limit i32) (result i32)
    (loop $next
      (if (i32.ge_u ${get('q')} ${get('limit')}) (then (global.set $scalarEnd ${get('limit')}) (return ${get('s')})))
      (local.set $s (i32.load8_u offset=${LAYOUT.scalar} (i32.add (i32.shl ${get('s')} (i32.const 8)) (i32.load8_u ${get('q')}))))
      (local.set $q (i32.add ${get('q')} (i32.const 1)))
      (br_if $next (i32.lt_u (i32.sub ${get('s')} (i32.const 1)) (i32.const ${SCALAR_END - 1}))))
    (global.set $scalarEnd (i32.sub ${get('q')} (i32.const 1)))
    ${get('s')})

  ;; After the scalar automaton returned r for the token at k: the first token after the scalar
  ;; (its other bytes are tokens too), or n when the scalar runs on into the next chunk.
  (func $skipInside (param $k i32) (param $n i32) (param $r i32) (result i32)
    (if (i32.ne ${get('r')} (i32.const ${SCALAR_END})) (then (global.set $pending ${get('r')}) (return ${get('n')})))
    (loop $skip
      (local.set $k (i32.add ${get('k')} (i32.const 1)))
      (br_if $skip (i32.and (i32.lt_u ${get('k')} ${get('n')}) (i32.lt_u ${tokenAt(get('k'))} ${g('scalarEnd')}))))
    ${get('k')})

  ;; Stage 1 over [0, limit): validates strings and writes the tokens. Returns their count, or -1.
  ;; (Vector constants live in locals: V8 rebuilds a v128.const on every use.)
  (func $stage1 (param $limit i32) (result i32)
    (local $p i32) (local $n i32) (local $pos i32) (local $c i32) (local $v v128)
    (local $kQuote v128) (local $kSlash v128) (local $kControl v128) (local $kNibble v128) (local $kR v128) (local $kWs v128) (local $kEsc v128)
    ${LANES.map((i) => `(local $q${i} i32) (local $b${i} i32) (local $c${i} i32)`).join(' ')}
    (local $inString i64) (local $escCarry i64)
    (local $bs i64) (local $quote i64) (local $esc i64) (local $run i64) (local $starts i64) (local $odd i64) (local $carry i64)
    (local $bad i64) (local $r i64) (local $st i64)
    (local.set $kQuote ${splat(0x22)})
    (local.set $kSlash ${splat(0x5c)})
    (local.set $kControl ${splat(0x1f)})
    (local.set $kNibble ${splat(15)})
    (local.set $kR ${splat(0x72)})
    (local.set $kWs ${bytes16(WS_BY_LOW_NIBBLE)})
    (local.set $kEsc ${bytes16(ESCAPE_BY_LOW_NIBBLE)})
    (local.set $inString ${g('inString')})
    (local.set $escCarry ${g('escCarry')})
    (block $done (loop $block
      (br_if $done (i32.ge_u ${get('p')} ${get('limit')}))
      ${LANES.map((i) => `(local.set $v (v128.load offset=${i * 16} ${get('p')}))
      (local.set $q${i} (i8x16.bitmask (i8x16.eq ${get('v')} ${get('kQuote')})))
      (local.set $b${i} (i8x16.bitmask (i8x16.eq ${get('v')} ${get('kSlash')})))
      (local.set $c${i} (i8x16.bitmask (i8x16.eq (i8x16.min_u ${get('v')} ${get('kControl')}) ${get('v')})))`).join('\n      ')}
      (block $next
        ;; inside a string, no escape carried in, no quote, backslash or control byte: nothing to do
        (if (i32.wrap_i64 (i64.and ${get('inString')} (i64.xor ${get('escCarry')} (i64.const 1)))) (then
          (br_if $next (i32.eqz ${LANES.flatMap((i) => [`q${i}`, `b${i}`, `c${i}`]).map(get).reduce((a, b) => `(i32.or ${a} ${b})`)}))))
        (local.set $bs ${mask64((i) => get(`b${i}`))})
        (local.set $quote ${mask64((i) => get(`q${i}`))})
        ;; escaped characters: the byte after each odd-length run of backslashes
        (local.set $esc (i64.const 0))
        (local.set $carry ${get('escCarry')})
        (local.set $escCarry (i64.const 0))
        (if (i32.eqz (i64.eqz (i64.or ${get('bs')} ${get('carry')}))) (then
          (local.set $run (i64.and ${get('bs')} ${not(get('carry'))}))
          (local.set $starts (i64.and ${get('run')} ${not(`(i64.shl ${get('run')} (i64.const 1))`)}))
          (local.set $odd (i64.add ${get('run')} (i64.and ${get('starts')} (i64.const 0xAAAAAAAAAAAAAAAA))))
          (local.set $esc (i64.or
            (i64.or
              (i64.and (i64.and (i64.add ${get('run')} (i64.and ${get('starts')} (i64.const 0x5555555555555555))) ${not(get('run'))}) (i64.const 0xAAAAAAAAAAAAAAAA))
              (i64.and (i64.and ${get('odd')} ${not(get('run'))}) (i64.const 0x5555555555555555)))
            (i64.and ${get('carry')} ${not(get('bs'))})))
          ;; a run from an odd offset to the block's end escapes the next block's first byte
          (local.set $escCarry (i64.extend_i32_u (i64.lt_u ${get('odd')} ${get('run')})))
          (if (i32.eqz (i64.eqz ${get('esc')})) (then
            (local.set $bad (i64.and ${get('esc')} ${not(`(i64.or (i64.or ${get('quote')} ${get('bs')}) ${mask64((i) => `(i8x16.bitmask (v128.or (i8x16.eq (i8x16.relaxed_swizzle ${get('kEsc')} (v128.and (v128.load offset=${i * 16} ${get('p')}) ${get('kNibble')})) (v128.load offset=${i * 16} ${get('p')})) (i8x16.eq (v128.load offset=${i * 16} ${get('p')}) ${get('kR')})))`)})`)}))
            ;; what is left must be \\u and four hex digits
            (block $escapesOk (loop $u
              (br_if $escapesOk (i64.eqz ${get('bad')}))
              (local.set $pos (i32.add ${get('p')} (i32.wrap_i64 (i64.ctz ${get('bad')}))))
              (local.set $bad (i64.and ${get('bad')} (i64.sub ${get('bad')} (i64.const 1))))
              (br_if $u (i32.and (i32.eq (i32.load8_u ${get('pos')}) (i32.const 0x75))
                (i32.and
                  (i32.and (i32.load8_u offset=${LAYOUT.hex} (i32.load8_u offset=1 ${get('pos')})) (i32.load8_u offset=${LAYOUT.hex} (i32.load8_u offset=2 ${get('pos')})))
                  (i32.and (i32.load8_u offset=${LAYOUT.hex} (i32.load8_u offset=3 ${get('pos')})) (i32.load8_u offset=${LAYOUT.hex} (i32.load8_u offset=4 ${get('pos')}))))))
              (return (i32.const -1))))))))
        ;; inside strings: from an opening quote up to its closing quote (prefix XOR of the quotes)
        (local.set $quote (i64.and ${get('quote')} ${not(get('esc'))}))
        (local.set $r ${get('quote')})
        ${[1, 2, 4, 8, 16, 32].map((s) => `(local.set $r (i64.xor ${get('r')} (i64.shl ${get('r')} (i64.const ${s}))))`).join('\n        ')}
        (local.set $r (i64.xor ${get('r')} ${get('inString')}))
        (local.set $inString (i64.shr_s ${get('r')} (i64.const 63)))
        ;; no control byte inside a string (outside, tab/LF/CR are whitespace and the others tokens)
        (if (i32.or (i32.or ${get('c0')} ${get('c1')}) (i32.or ${get('c2')} ${get('c3')})) (then
          (if (i32.eqz (i64.eqz (i64.and ${get('r')} ${mask64((i) => get(`c${i}`))})))
            (then (return (i32.const -1))))))
        ;; tokens: not in a string, not a closing quote, not whitespace; and opening quotes
        (local.set $st (i64.or
          ${not(`(i64.or (i64.or ${get('r')} ${get('quote')}) ${mask64((i) => `(i8x16.bitmask (i8x16.eq (i8x16.relaxed_swizzle ${get('kWs')} (v128.and (v128.load offset=${i * 16} ${get('p')}) ${get('kNibble')})) (v128.load offset=${i * 16} ${get('p')})))`)})`)}
          (i64.and ${get('quote')} ${get('r')})))
        (br_if $next (i64.eqz ${get('st')}))
        ;; write them: eight unconditionally (extra writes land past the count), then the rest
        (local.set $c (i32.wrap_i64 (i64.popcnt ${get('st')})))
        ${Array.from({ length: 8 }, (_, j) => `(local.set $pos (i32.add ${get('p')} (i32.wrap_i64 (i64.ctz ${get('st')}))))
        (i32.store16 offset=${OS + 2 * j} (i32.shl ${get('n')} (i32.const 1)) ${get('pos')})
        (local.set $st (i64.and ${get('st')} (i64.sub ${get('st')} (i64.const 1))))`).join('\n        ')}
        (if (i32.gt_u ${get('c')} (i32.const 8)) (then
          (local.set $n (i32.add ${get('n')} (i32.const 8)))
          (local.set $c (i32.sub ${get('c')} (i32.const 8)))
          (loop $rest
            (local.set $pos (i32.add ${get('p')} (i32.wrap_i64 (i64.ctz ${get('st')}))))
            (i32.store16 offset=${OS} (i32.shl ${get('n')} (i32.const 1)) ${get('pos')})
            (local.set $n (i32.add ${get('n')} (i32.const 1)))
            (local.set $st (i64.and ${get('st')} (i64.sub ${get('st')} (i64.const 1))))
            (br_if $rest (i32.eqz (i64.eqz ${get('st')}))))
          (local.set $c (i32.const 0))))
        (local.set $n (i32.add ${get('n')} ${get('c')})))
      (local.set $p (i32.add ${get('p')} (i32.const 64)))
      (br $block)))
    (global.set $inString ${get('inString')})
    (global.set $escCarry ${get('escCarry')})
    ;; after the last token, offsets of a zero byte: the multi-token checks of stage 2 never match past it
    (i64.store offset=${OS} (i32.shl ${get('n')} (i32.const 1)) (i64.const ${ZERO_BYTES}))
    ${get('n')})

  ;; Stage 2 over the n tokens of this chunk. Returns ${STATUS.more}, ${STATUS.invalid} or ${STATUS.tooDeep}.
  (func $stage2 (param $base i32) (param $n i32) (param $limit i32) (result i32)
    (local $k i32) (local $state i32) (local $depth i32) (local $e i32) (local $w i32) (local $at i32)
    (local.set $state ${g('state')})
    (local.set $depth ${g('depth')})
    ;; a number or literal cut by the previous chunk's end
    (if ${g('pending')} (then
      (local.set $e (call $scalar ${g('pending')} (i32.const 0) ${get('limit')}))
      (if (i32.eqz ${get('e')}) (then (return (i32.const ${STATUS.invalid}))))
      (global.set $pending (i32.const 0))
      (local.set $k (call $skipInside (i32.const -1) ${get('n')} ${get('e')}))))
    (block $end (loop $token
      ;; fast paths for common runs of the skeleton
      (block $one
        (block $arrNext (block $arrValue (block $objNext (block $objValue (block $objKey (block $other
          (br_table $other $other $other $objKey $objKey $other $objValue $objNext $arrValue $arrValue $arrNext $other ${get('state')}))
          (br $one))
          ;; after { or , in an object: "key":"value", / "key":"value"} / "key":
          (local.set $w ${bytesAt(get('k'), 4)})
          (if (i32.eq ${get('w')} (i32.const 0x2c223a22)) (then (local.set $k (i32.add ${get('k')} (i32.const 4))) (local.set $state (i32.const ${S.objKey})) (br $token)))
          (if (i32.eq ${get('w')} (i32.const 0x7d223a22)) (then (local.set $k (i32.add ${get('k')} (i32.const 4)))
            ${pop}
            (br $token)))
          (br_if $one (i32.ne (i32.and ${get('w')} (i32.const 0xffff)) (i32.const 0x3a22)))
          (local.set $k (i32.add ${get('k')} (i32.const 2)))
          (local.set $state (i32.const ${S.objValue}))
          (br $token))
          ;; a member's value: "string", / "string"} / { / [
          (local.set $w ${bytesAt(get('k'), 2)})
          (if (i32.eq ${get('w')} (i32.const 0x2c22)) (then (local.set $k (i32.add ${get('k')} (i32.const 2))) (local.set $state (i32.const ${S.objKey})) (br $token)))
          (if (i32.eq ${get('w')} (i32.const 0x7d22)) (then (local.set $k (i32.add ${get('k')} (i32.const 2)))
            ${pop}
            (br $token)))
          (br_if $one (i32.ne (i32.and ${get('w')} (i32.const 0xff)) (i32.const 0x7b)))
          (local.set $k (i32.add ${get('k')} (i32.const 1)))
          ${push(`(i32.const ${S.objNext})`)}
          (local.set $state (i32.const ${S.objFirst}))
          (br $token))
          ;; after a member: , / }
          (local.set $w ${bytesAt(get('k'), 1)})
          (if (i32.eq ${get('w')} (i32.const 0x2c)) (then (local.set $k (i32.add ${get('k')} (i32.const 1))) (local.set $state (i32.const ${S.objKey})) (br $token)))
          (br_if $one (i32.ne ${get('w')} (i32.const 0x7d)))
          (local.set $k (i32.add ${get('k')} (i32.const 1)))
          ${pop}
          (br $token))
          ;; an element: { / "string",
          (local.set $w ${bytesAt(get('k'), 2)})
          (if (i32.eq (i32.and ${get('w')} (i32.const 0xff)) (i32.const 0x7b)) (then (local.set $k (i32.add ${get('k')} (i32.const 1)))
            ${push(`(i32.const ${S.arrNext})`)}
            (local.set $state (i32.const ${S.objFirst}))
            (br $token)))
          (br_if $one (i32.ne ${get('w')} (i32.const 0x2c22)))
          (local.set $k (i32.add ${get('k')} (i32.const 2)))
          (local.set $state (i32.const ${S.arrValue}))
          (br $token))
        ;; after an element: , / ]
        (local.set $w ${bytesAt(get('k'), 1)})
        (if (i32.eq ${get('w')} (i32.const 0x2c)) (then (local.set $k (i32.add ${get('k')} (i32.const 1))) (local.set $state (i32.const ${S.arrValue})) (br $token)))
        (br_if $one (i32.ne ${get('w')} (i32.const 0x5d)))
        (local.set $k (i32.add ${get('k')} (i32.const 1)))
        ${pop}
        (br $token))
      ;; one token, any state, by the transition table
      (br_if $end (i32.ge_u ${get('k')} ${get('n')}))
      (local.set $at ${tokenAt(get('k'))})
      (local.set $e (i32.load8_u offset=${LAYOUT.transitions} (i32.add (i32.shl ${get('state')} (i32.const 8)) ${bytesAt(get('k'), 1)})))
      (if (i32.lt_u ${get('e')} (i32.const 32)) (then (local.set $state ${get('e')}) (local.set $k (i32.add ${get('k')} (i32.const 1))) (br $token)))
      ${ACTIONS.slice().reverse().map((a) => `(block $${a}`).join(' ')}
        (br_table ${ACTIONS.map((a) => `$${a}`).join(' ')} $err (i32.sub ${get('e')} (i32.const 32))))
        ;; err
        (return (i32.const ${STATUS.invalid})))
        ;; openObj
        ${push(`(i32.load8_u offset=${LAYOUT.after} ${get('state')})`)}
        (local.set $state (i32.const ${S.objFirst}))
        (local.set $k (i32.add ${get('k')} (i32.const 1)))
        (br $token))
        ;; openArr
        ${push(`(i32.load8_u offset=${LAYOUT.after} ${get('state')})`)}
        (local.set $state (i32.const ${S.arrFirst}))
        (local.set $k (i32.add ${get('k')} (i32.const 1)))
        (br $token))
        ;; openTop: the top-level object
        ${push(`(i32.const ${S.done})`)}
        (local.set $state (i32.const ${S.topFirst}))
        (local.set $k (i32.add ${get('k')} (i32.const 1)))
        (br $token))
        ;; scalar
        ${scalarToken}
        (local.set $state (i32.load8_u offset=${LAYOUT.after} ${get('state')}))
        (br $token))
        ;; topString: a top-level member's string value
        (global.set $valueStart (i32.add ${get('base')} ${get('at')}))
        (local.set $state (i32.const ${S.topNext}))
        (local.set $k (i32.add ${get('k')} (i32.const 1)))
        (br $token))
        ;; topKeyName
        (global.set $keyStart (i32.add ${get('base')} ${get('at')}))
        (local.set $state (i32.const ${S.topColon}))
        (local.set $k (i32.add ${get('k')} (i32.const 1)))
        (br $token))
        ;; topObj
        (global.set $valueStart (i32.add ${get('base')} ${get('at')}))
        ${push(`(i32.const ${S.topNext})`)}
        (local.set $state (i32.const ${S.objFirst}))
        (local.set $k (i32.add ${get('k')} (i32.const 1)))
        (br $token))
        ;; topArr
        (global.set $valueStart (i32.add ${get('base')} ${get('at')}))
        ${push(`(i32.const ${S.topNext})`)}
        (local.set $state (i32.const ${S.arrFirst}))
        (local.set $k (i32.add ${get('k')} (i32.const 1)))
        (br $token))
        ;; topScalar
        (global.set $valueStart (i32.add ${get('base')} ${get('at')}))
        ${scalarToken}
        (local.set $state (i32.const ${S.topNext}))
        (br $token))
        ;; emit: a top-level member ends at this , or }
        (local.set $e (i32.add (i32.const ${LAYOUT.records}) (i32.mul ${g('records')} (i32.const 12))))
        (i32.store ${get('e')} ${g('keyStart')})
        (i32.store offset=4 ${get('e')} ${g('valueStart')})
        (i32.store offset=8 ${get('e')} (i32.add ${get('base')} ${get('at')}))
        (global.set $records (i32.add ${g('records')} (i32.const 1)))
        (if (i32.eq ${bytesAt(get('k'), 1)} (i32.const 0x2c)) (then
          (local.set $state (i32.const ${S.topKey}))
          (local.set $k (i32.add ${get('k')} (i32.const 1)))
          (br $token))))
      ;; close
      ${pop}
      (local.set $k (i32.add ${get('k')} (i32.const 1)))
      (br $token)))
    (global.set $state ${get('state')})
    (global.set $depth ${get('depth')})
    (i32.const ${STATUS.more}))

  ;; Validates the chunk at [0, limit) whose first byte is the body's byte base. The caller puts
  ;; LOOKAHEAD bytes after it: the body's next bytes, or spaces after the body's end, where limit
  ;; is rounded up to a multiple of 64 (spaces). last: 1 for the body's last chunk.
  (func (export "run") (param $base i32) (param $limit i32) (param $last i32) (result i32)
    (local $n i32) (local $status i32)
    (global.set $records (i32.const 0))
    (local.set $n (call $stage1 ${get('limit')}))
    (if (i32.lt_s ${get('n')} (i32.const 0)) (then (return (i32.const ${STATUS.invalid}))))
    (local.set $status (call $stage2 ${get('base')} ${get('n')} ${get('limit')}))
    (if (i32.or ${get('status')} (i32.eqz ${get('last')})) (then (return ${get('status')})))
    ;; the end: one complete value, no string or scalar left open
    (select (i32.const ${STATUS.valid}) (i32.const ${STATUS.invalid})
      (i32.and (i32.eq ${g('state')} (i32.const ${S.done})) (i32.and (i64.eqz ${g('inString')}) (i32.eqz ${g('pending')})))))
)
`;
}
