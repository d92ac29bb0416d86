/**
 * Tricky request bodies for the top-level JSON scanner, each with what `JSON.parse` makes of it.
 * Used by the scanner's tests and by the parser benchmarks.
 */

/** One body and the expected outcome for the keys `model` and `stream`. */
export interface JsonScanCase {
  /** Short description. */
  readonly name: string;
  /** The raw body bytes (UTF-8, possibly invalid). */
  readonly body: Uint8Array;
  /** Whether `JSON.parse(Buffer.from(body).toString('utf8'))` accepts it. */
  readonly valid: boolean;
  /** For valid bodies: the top-level `model` / `stream` values present (last occurrence). */
  readonly values?: Readonly<Record<string, unknown>>;
}

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

const MB = 1024 * 1024;
const DEPTH = 10_000;

function valid(name: string, body: string | Uint8Array, values: Record<string, unknown> = {}): JsonScanCase {
  return { name, body: typeof body === 'string' ? utf8(body) : body, valid: true, values };
}

function invalid(name: string, body: string | Uint8Array): JsonScanCase {
  return { name, body: typeof body === 'string' ? utf8(body) : body, valid: false };
}

/** The corpus. Bodies are built once, at import (about 5 MB in all). */
export const jsonScanCorpus: readonly JsonScanCase[] = [
  // Basics
  valid('plain object', '{"model":"gpt-4o","stream":true}', { model: 'gpt-4o', stream: true }),
  valid('no requested keys', '{"messages":[]}'),
  valid('empty object', '{}'),
  valid('values of other types', '{"model":{"name":"x"},"stream":null}', { model: { name: 'x' }, stream: null }),
  valid('array model', '{"model":["a","b"],"stream":false}', { model: ['a', 'b'], stream: false }),

  // Duplicate keys: the last one wins, as in JSON.parse
  valid('duplicate model', '{"model":"a","model":"b"}', { model: 'b' }),
  valid('duplicate stream around model', '{"stream":true,"model":"a","stream":false}', { model: 'a', stream: false }),
  valid('many duplicates', `{${Array.from({ length: 100 }, (_, i) => `"model":"m${i}"`).join(',')}}`, { model: 'm99' }),

  // Escaped key names are compared after unescaping
  valid('escaped key', '{"mod\\u0065l":"evil","x":1}', { model: 'evil' }),
  valid('escaped key wins as last duplicate', '{"model":"safe","mod\\u0065l":"evil"}', { model: 'evil' }),
  valid('plain key wins over earlier escaped one', '{"mod\\u0065l":"evil","model":"safe"}', { model: 'safe' }),
  valid('fully escaped key, upper-case hex', '{"\\u006D\\u006F\\u0064\\u0065\\u006C":"x"}', { model: 'x' }),
  valid('escaped stream key', '{"str\\u0065am":true}', { stream: true }),
  valid('escaped solidus is another key', '{"mod\\/el":"x","model":"y"}', { model: 'y' }),
  valid('near-miss keys', '{"model ":"a","Model":"b","models":"c","mode":"d"}'),
  valid('key with NUL escape is another key', '{"model\\u0000":"x"}'),
  valid('key with escaped quote', '{"mo\\"del":"x"}'),
  valid('empty key', '{"":"x","model":"y"}', { model: 'y' }),
  valid('__proto__ key', '{"__proto__":{"model":"x"},"model":"y"}', { model: 'y' }),
  valid('non-ASCII key next to model', '{"modèle":"x","model":"日本"}', { model: '日本' }),

  // Nested `model` keys do not count
  valid(
    'nested model before top-level one',
    '{"messages":[{"role":"user","model":"nested"}],"metadata":{"model":"meta"},"model":"top"}',
    { model: 'top' },
  ),
  valid('nested model only', '{"messages":[{"model":"nested"}],"x":{"model":1}}'),
  valid('string that looks like a key', '{"a":"\\",\\"model\\":\\"evil","model":"ok"}', { model: 'ok' }),
  valid('escaped quotes after long plain runs', `{"a":"${'x'.repeat(100)}\\",\\"model\\":\\"evil","model":"ok"}`, {
    model: 'ok',
  }),
  invalid('bad escape after a long plain run', `{"a":"${'x'.repeat(100)}\\q","model":"ok"}`),
  valid('escaped backslashes before quote', '{"a":"\\\\\\\\","model":"m"}', { model: 'm' }),

  // \u escapes, surrogates, raw UTF-8
  valid('surrogate pair and escapes', '{"model":"gpt-\\ud83d\\ude00-\\u00e9\\n\\t\\/\\b\\f\\r"}', {
    model: 'gpt-\u{1F600}-\u00e9\n\t/\b\f\r',
  }),
  valid('lone high surrogate', '{"model":"\\ud800"}', { model: '\ud800' }),
  valid('lone low surrogate key', '{"\\udc00":1,"model":"m"}', { model: 'm' }),
  valid('reversed surrogates', '{"model":"\\udc00\\ud800"}', { model: '\udc00\ud800' }),
  valid('raw UTF-8', '{"model":"日本語 ü 😀"}', { model: '日本語 ü 😀' }),
  valid('DEL raw in string', '{"model":"a\x7fb"}', { model: 'a\x7fb' }),

  // Invalid UTF-8 inside strings is replaced with U+FFFD, as Buffer#toString does
  valid('invalid bytes in string', bytes('{"model":"a', [0xff, 0xfe], 'b"}'), { model: 'a\ufffd\ufffdb' }),
  valid('truncated sequence before quote', bytes('{"model":"', [0xe2, 0x82], '"}'), { model: '\ufffd' }),
  valid('overlong encoding', bytes('{"model":"', [0xc0, 0xaf], '"}'), { model: '\ufffd\ufffd' }),
  valid('UTF-8 encoded surrogate', bytes('{"model":"', [0xed, 0xa0, 0x80], '"}'), { model: '\ufffd\ufffd\ufffd' }),
  valid('invalid bytes in key', bytes('{"mod', [0xff], 'el":1,"model":2}'), { model: 2 }),
  invalid('invalid byte after value', bytes('{"model":"a"}', [0xff])),
  invalid('invalid byte before value', bytes([0xff], '{"model":"a"}')),
  invalid('continuation byte between tokens', bytes('{"model":', [0x80], '"a"}')),

  // Big strings before the model
  valid('1 MB string before model', `{"messages":[{"role":"user","content":"${'x'.repeat(MB)}"}],"model":"big"}`, {
    model: 'big',
  }),
  valid('1 MB of escapes before model', `{"a":"${'\\"\\\\'.repeat(MB / 4)}","model":"esc"}`, { model: 'esc' }),
  valid('1 MB of multi-byte text before model', `{"a":"${'é日'.repeat(Math.floor(MB / 5))}","model":"mb"}`, { model: 'mb' }),
  invalid('1 MB string with a raw newline at its end', `{"a":"${'x'.repeat(MB)}\n","model":"m"}`),

  // Deep nesting: accepted at any depth JSON.parse accepts
  valid('10k nested arrays before model', `{"a":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)},"model":"deep"}`, {
    model: 'deep',
  }),
  valid('10k nested objects before model', `{"a":${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)},"model":"deep"}`, {
    model: 'deep',
  }),
  valid('10k nested arrays at top level', `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`),
  // (1,000 levels here: deep-equality helpers of test runners recurse)
  valid('model holding 1k nested arrays', `{"model":${'['.repeat(1000)}${']'.repeat(1000)}}`, {
    model: JSON.parse(`${'['.repeat(1000)}${']'.repeat(1000)}`) as unknown,
  }),
  invalid('10k nested arrays, one unclosed', `{"a":${'['.repeat(DEPTH)}${']'.repeat(DEPTH - 1)},"model":"m"}`),
  invalid('mismatched brackets', '{"a":[}],"model":"m"}'),

  // Numbers
  valid('negative zero', '{"model":-0}', { model: -0 }),
  valid('huge exponent', '{"model":1e400}', { model: Infinity }),
  valid('tiny exponent', '{"model":-1e-400}', { model: -0 }),
  valid('number forms', '{"model":[0,-1.5e-3,0.0,1E+2,1e-2,123456789012345678901234567890]}', {
    model: [0, -1.5e-3, 0, 100, 0.01, 123456789012345678901234567890],
  }),
  invalid('leading zero', '{"model":01}'),
  invalid('negative leading zero', '{"model":-01}'),
  invalid('double zero', '{"x":00,"model":"m"}'),
  invalid('point without digits', '{"model":1.}'),
  invalid('leading point', '{"model":.5}'),
  invalid('lone minus', '{"model":-}'),
  invalid('plus sign', '{"model":+1}'),
  invalid('exponent without digits', '{"model":1e}'),
  invalid('signed exponent without digits', '{"model":1e+}'),
  invalid('hex number', '{"model":0x10}'),
  invalid('NaN', '{"model":NaN}'),
  invalid('Infinity', '{"model":Infinity}'),
  invalid('-Infinity', '{"model":-Infinity}'),

  // Structure
  invalid('trailing comma in object', '{"model":"a",}'),
  invalid('trailing comma in array', '[1,]'),
  invalid('trailing comma in nested array', '{"a":[1,2,],"model":"m"}'),
  invalid('leading comma', '{,"model":"m"}'),
  invalid('missing colon', '{"model" "a"}'),
  invalid('missing comma', '{"a":1 "model":2}'),
  invalid('semicolon for comma', '{"a":1;"model":2}'),
  invalid('equals sign for colon', '{"model"="a"}'),
  invalid('colon in array', '["model":"a"]'),
  invalid('comma for colon', '{"model","a"}'),
  invalid('single quotes', "{'model':'a'}"),
  invalid('unquoted key', '{model:"a"}'),
  invalid('comment', '{"model":"a"/*c*/}'),
  invalid('two values', '{"model":"a"}{"model":"b"}'),
  invalid('two numbers', '1 2'),
  invalid('trailing garbage after whitespace', '{"model":"a"}  x'),
  invalid('empty body', ''),
  invalid('whitespace only', ' \n\t\r '),
  invalid('unterminated string', '{"model":"abc'),
  invalid('unterminated object', '{"model":"abc"'),
  invalid('unterminated escape', '{"model":"abc\\'),
  invalid('bare literal prefix', 'tru'),
  invalid('capitalised literal', '{"stream":True}'),
  invalid('literal with suffix', '{"stream":truex}'),
  valid('literals', '{"stream":false,"model":null,"x":[true,false,null]}', { stream: false, model: null }),

  // Top level not an object
  valid('top-level string', '"model"'),
  valid('top-level number', ' 42 '),
  valid('top-level null', 'null'),
  valid('top-level array of objects', '[{"model":"x"}]'),

  // Strings: escapes and control characters
  invalid('raw tab in string', '{"model":"a\tb"}'),
  invalid('raw newline in string', '{"model":"a\nb"}'),
  invalid('raw CR in string', '{"model":"a\rb"}'),
  invalid('raw NUL in string', '{"model":"a\x00b"}'),
  invalid('raw 0x1f in string', '{"model":"a\x1fb"}'),
  invalid('raw newline in key', '{"mo\ndel":"a"}'),
  invalid('unknown escape', '{"model":"\\x41"}'),
  invalid('escaped apostrophe', '{"model":"\\\'"}'),
  invalid('short \\u escape', '{"model":"\\u12"}'),
  invalid('non-hex \\u escape', '{"model":"\\u12G4"}'),
  invalid('\\u escape cut by end', '{"model":"\\u00'),

  // Whitespace: only space, tab, LF, CR
  valid('all whitespace kinds everywhere', ' \t\n\r{ \t\n\r"model" \t\n\r: \t\n\r"m" \t\n\r, \t\n\r"stream":true \t\n\r} \t\n\r', {
    model: 'm',
    stream: true,
  }),
  valid('pretty-printed', JSON.stringify({ messages: [{ role: 'user', content: 'hi\nthere' }], model: 'p', stream: true }, null, 2), {
    model: 'p',
    stream: true,
  }),
  invalid('form feed as whitespace', '\f{"model":"a"}'),
  invalid('vertical tab as whitespace', '{"model":\v"a"}'),
  invalid('NBSP as whitespace', '\u00a0{"model":"a"}'),
  invalid('line separator as whitespace', '{"model":"a"}\u2028'),
  invalid('NUL after value', '{"model":"a"}\x00'),

  // Shortcuts of the WebAssembly validator (json-validator.ts): escape letters and whitespace are
  // recognised by their low four bits, common token runs four at a time, the body in 32 KB chunks
  invalid('escaped space', '{"a":"\\ ","model":"m"}'),
  invalid('escaped upper-case letter sharing a low nibble with b', '{"a":"\\B","model":"m"}'),
  invalid('escaped R', '{"a":"\\R","model":"m"}'),
  invalid('escaped U', '{"a":"\\U0041","model":"m"}'),
  valid('every escape letter', '{"a":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00E9","model":"m"}', { model: 'm' }),
  invalid('0x29 (low nibble of tab) between tokens', '{"model":"m")}'),
  invalid('0x2D alone (low nibble of CR) between tokens', '{"model":"m",-}'),
  invalid('0x10 (low nibble of space) between tokens', bytes('{"model":"m"', [0x10], '}')),
  invalid('0xA0 between tokens', bytes('{"model":', [0xa0], '"m"}')),
  invalid('0x8D between tokens', bytes('{"model":"m"', [0x8d], '}')),
  invalid('second colon after a value', '{"model":"a":"b"}'),
  invalid('key without a value before the brace', '{"a":"b","model"}'),
  invalid('two strings in an object', '{"model""a"}'),
  invalid('comma before a value', '{"a":,"model":"m"}'),
  invalid('object closed by a bracket', '{"model":"a"]'),
  invalid('trailing comma after an object in an array', '{"a":[{"b":"c"},],"model":"m"}'),
  invalid('double comma in an array', '{"a":["b",,"c"],"model":"m"}'),
  invalid('leading comma in an array', '{"a":[,"b"],"model":"m"}'),
  invalid('trailing comma after a string in an array', '{"a":["b","c",],"model":"m"}'),
  valid('string runs in arrays and objects', '{"a":["b","c"],"d":{"e":"f","g":"h"},"model":"m","stream":true}', { model: 'm', stream: true }),
  valid('model key across the 32 KB chunk boundary', `{"pad":"${'x'.repeat(32768 - 10 - 3)}","model":"across"}`, { model: 'across' }),
  valid('number across the 32 KB chunk boundary', `{"pad":"${'x'.repeat(32768 - 10 - 6)}","n":123456789,"model":"n"}`, { model: 'n' }),
  valid('\\u escape across the 32 KB chunk boundary', `{"pad":"${'x'.repeat(32768 - 10 - 1)}\\u00e9","model":"u"}`, { model: 'u' }),
  invalid('bad \\u escape across the 32 KB chunk boundary', `{"pad":"${'x'.repeat(32768 - 10 - 1)}\\u00eg","model":"u"}`),
  valid('nesting deeper than the validator\'s stack', `{"a":${'['.repeat(70_000)}${']'.repeat(70_000)},"model":"deep"}`, { model: 'deep' }),

  // Byte order mark: JSON.parse rejects U+FEFF before the value
  invalid('leading BOM', bytes([0xef, 0xbb, 0xbf], '{"model":"a"}')),
  invalid('trailing BOM', bytes('{"model":"a"}', [0xef, 0xbb, 0xbf])),
  valid('BOM inside a string', bytes('{"model":"', [0xef, 0xbb, 0xbf], 'a"}'), { model: '\ufeffa' }),
];
