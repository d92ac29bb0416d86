/**
 * The synthetic usage ledger of the ledger benchmark, generated inside the database by one
 * `INSERT … SELECT` per chunk (SQLite: a recursive CTE counting rows; PostgreSQL:
 * `generate_series`), so ten million rows take seconds of SQL instead of minutes of client
 * round trips.
 *
 * Shape: 90 days of traffic at a uniform rate ending at {@link LEDGER_END}; 20 projects of 10
 * gateway keys each, keys used with a skew (the busiest key ~7% of requests, the quietest
 * ~0.3%); each key has a primary, secondary and tertiary model among 12 models of 4 providers
 * (70/25/5% of its traces), and each model one routing rule, except 10% of traces that go
 * through a `fallback` rule (8 rules); traces of 1–20 consecutive requests sharing key, model
 * and rule; 60% streamed; 2% errors (no tokens, no cost); input tokens 50–20,050 cubed-uniform,
 * output 10–2,010; cache reads on 35% of requests, cache writes on 10% of Anthropic requests,
 * reasoning tokens on the two reasoning models; one model unpriced (cost NULL); TTFT (streams
 * only, NULL otherwise) and duration Pareto-tailed.
 *
 * Randomness is a fixed integer hash of the row number (`x ↦ (48271·x + salt)⁴ mod 2³¹−1`),
 * computed the same way by both databases, so a run is reproducible and both stores hold the
 * same rows.
 */

/** Exclusive end of the generated traffic (ms): deliberately not on an hour boundary. */
export const LEDGER_END = Date.UTC(2026, 5, 1, 9, 41, 27, 350);
/** Span of the generated traffic (ms): 90 days. */
export const LEDGER_SPAN_MS = 90 * 86_400_000;

/** Number of projects, gateway keys (10 per project) and the longest trace. */
export const SHAPE = { projects: 20, keys: 200, maxTraceLength: 20, errorPerMille: 20, streamPercent: 60 } as const;

/** One model of the synthetic traffic: where it goes and what it costs (USD per million tokens; null: unpriced). */
interface ModelSpec {
  readonly model: string;
  readonly provider: string;
  readonly backend: string;
  readonly api: string;
  readonly rule: string;
  readonly price: readonly [input: number, cachedInput: number, cacheWrite: number, output: number] | null;
  /** Milliseconds per output token, and TTFT scale. */
  readonly msPerToken: number;
  readonly ttftScale: number;
  readonly reasoning: boolean;
}

/** The 12 models (illustrative prices, not a price list). */
export const MODELS: readonly ModelSpec[] = [
  { model: 'gpt-4o', provider: 'openai', backend: 'openai', api: 'openai.chat_completions', rule: 'openai', price: [2.5, 1.25, 2.5, 10], msPerToken: 12, ttftScale: 1, reasoning: false },
  { model: 'gpt-4o-mini', provider: 'openai', backend: 'openai', api: 'openai.chat_completions', rule: 'openai', price: [0.15, 0.075, 0.15, 0.6], msPerToken: 6, ttftScale: 0.6, reasoning: false },
  { model: 'gpt-4.1', provider: 'openai', backend: 'openai', api: 'openai.responses', rule: 'openai', price: [2, 0.5, 2, 8], msPerToken: 11, ttftScale: 1, reasoning: false },
  { model: 'o3-mini', provider: 'openai', backend: 'openai', api: 'openai.responses', rule: 'reasoning', price: [1.1, 0.55, 1.1, 4.4], msPerToken: 9, ttftScale: 4, reasoning: true },
  { model: 'claude-sonnet-4', provider: 'anthropic', backend: 'anthropic', api: 'anthropic.messages', rule: 'anthropic', price: [3, 0.3, 3.75, 15], msPerToken: 14, ttftScale: 1.2, reasoning: false },
  { model: 'claude-3-5-haiku', provider: 'anthropic', backend: 'anthropic', api: 'anthropic.messages', rule: 'anthropic', price: [0.8, 0.08, 1, 4], msPerToken: 7, ttftScale: 0.7, reasoning: false },
  { model: 'claude-opus-4', provider: 'anthropic', backend: 'anthropic', api: 'anthropic.messages', rule: 'premium', price: [15, 1.5, 18.75, 75], msPerToken: 25, ttftScale: 1.8, reasoning: false },
  { model: 'gemini-2.5-pro', provider: 'gcp.gemini', backend: 'vertex', api: 'gemini.generate_content', rule: 'reasoning', price: [1.25, 0.31, 1.25, 10], msPerToken: 10, ttftScale: 3, reasoning: true },
  { model: 'gemini-2.5-flash', provider: 'gcp.gemini', backend: 'vertex', api: 'gemini.generate_content', rule: 'gemini', price: [0.3, 0.075, 0.3, 2.5], msPerToken: 5, ttftScale: 0.5, reasoning: false },
  { model: 'llama-3.3-70b', provider: 'aws.bedrock', backend: 'bedrock', api: 'bedrock.converse', rule: 'bedrock', price: [0.72, 0.72, 0.72, 0.72], msPerToken: 8, ttftScale: 0.8, reasoning: false },
  { model: 'nova-pro', provider: 'aws.bedrock', backend: 'bedrock', api: 'bedrock.converse', rule: 'bedrock', price: [0.8, 0.2, 0.8, 3.2], msPerToken: 8, ttftScale: 0.8, reasoning: false },
  { model: 'mistral-large', provider: 'aws.bedrock', backend: 'bedrock', api: 'bedrock.converse', rule: 'cheap', price: null, msPerToken: 9, ttftScale: 0.9, reasoning: false },
];

/** Errors: [status, error_type], chosen uniformly among errored requests. */
const ERRORS: ReadonlyArray<readonly [number, string]> = [
  [429, 'http_429'],
  [500, 'http_500'],
  [503, 'http_503'],
  [400, 'http_400'],
];

const P = 2147483647;

/** Dialect-specific SQL pieces; everything else is common to SQLite and PostgreSQL. */
interface Dialect {
  /** `expr` (a non-negative integer) as `width` lowercase hex digits, zero-padded. */
  hex(expr: string, width: number): string;
  /** `expr` zero-padded to two decimal digits. */
  pad2(expr: string): string;
  /** A CTE `name(n)` counting `lo` ≤ n < `hi`. */
  counter(name: string, lo: number, hi: number): string;
}

const DIALECTS: Record<'sqlite' | 'postgres', Dialect> = {
  sqlite: {
    hex: (e, w) => `printf('%0${w}x', ${e})`,
    pad2: (e) => `printf('%02d', ${e})`,
    counter: (name, lo, hi) => `${name}(n) AS (SELECT ${lo} UNION ALL SELECT n + 1 FROM ${name} WHERE n + 1 < ${hi})`,
  },
  postgres: {
    hex: (e, w) => `lpad(to_hex(${e}), ${w}, '0')`,
    pad2: (e) => `lpad(CAST(${e} AS TEXT), 2, '0')`,
    counter: (name, lo, hi) => `${name}(n) AS (SELECT generate_series(CAST(${lo} AS BIGINT), CAST(${hi - 1} AS BIGINT)))`,
  },
};

/**
 * The integer hash of `x` with `salt`, in [0, 2³¹−1): `(M·x + salt)² mod p`, with a
 * multiplier M per salt. `x` should be a column (it is written out twice).
 */
function h(x: string, salt: number): string {
  const a = `((${x}) * ${48271 + 7919 * salt} + ${salt}) % ${P}`;
  return `(((${a}) * (${a})) % ${P})`;
}

/** A 15-bit slice of a hash column (`part` 0 or 1), as a double in [0, 1). */
function u15(hash: string, part: 0 | 1): string {
  return `(CAST((${hash}${part ? ' / 32768' : ''}) % 32768 AS DOUBLE PRECISION) / 32768)`;
}

const dbl = (v: number): string => `CAST(${v} AS DOUBLE PRECISION)`;

function modelsCte(): string {
  const rows = MODELS.map((m, i) => {
    const [pin, pcached, pwrite, pout] = m.price ?? [0, 0, 0, 0];
    const priced = m.price ? 1 : 0;
    return `(${i}, '${m.model}', '${m.provider}', '${m.backend}', '${m.api}', '${m.rule}', ${priced}, ${dbl(pin)}, ${dbl(pcached)}, ${dbl(pwrite)}, ${dbl(pout)}, ${dbl(m.msPerToken)}, ${dbl(m.ttftScale)}, ${m.reasoning ? 1 : 0}, ${m.provider === 'anthropic' ? 1 : 0})`;
  });
  return `mdl(id, m_model, m_provider, m_backend, m_api, m_rule, m_priced, p_in, p_cached, p_write, p_out, ms_tok, ttft_scale, m_reasoning, m_write) AS (VALUES ${rows.join(', ')})`;
}

function errorCase(pick: string, index: 0 | 1): string {
  return `CASE ${pick} ${ERRORS.map((e, i) => `WHEN ${i} THEN ${index === 0 ? e[0] : `'${e[1]}'`}`).join(' ')} END`;
}

/** The ledger columns the generator fills, in INSERT order (every column of migration 2). */
export const LEDGER_COLUMNS = [
  'request_id', 'ts', 'trace_id', 'response_id', 'project', 'key_id', 'rule', 'backend', 'provider', 'api', 'model', 'response_model',
  'stream', 'status', 'error_type', 'input_tokens', 'cached_input_tokens', 'cache_write_tokens', 'output_tokens', 'reasoning_tokens',
  'total_tokens', 'duration_ms', 'ttft_ms', 'cost_usd',
] as const;

/**
 * The statement inserting rows `lo` ≤ n < `hi` of a ledger of `total` rows. Row n's timestamp
 * is `LEDGER_END − LEDGER_SPAN_MS + ⌊n · span / total⌋`, so rows arrive in time order, as
 * they do in a live ledger.
 */
export function insertChunkSql(dialect: 'sqlite' | 'postgres', total: number, lo: number, hi: number): string {
  const d = DIALECTS[dialect];
  const start = LEDGER_END - LEDGER_SPAN_MS;
  const L = SHAPE.maxTraceLength;
  // Traces: row n is in block ⌊n/20⌋, cut into traces of the block's length (1–20). Each
  // level is materialised so its hashes are computed once per row (inlined, every reference to
  // a derived column would compute the hashes it came from again); a hash's bits give several
  // values.
  const keys = `keys(k, m1, m2, m3) AS MATERIALIZED (SELECT n, ${h('n', 201)} % ${MODELS.length}, ${h('n', 202)} % ${MODELS.length}, ${h('n', 203)} % ${MODELS.length} FROM kc)`;
  const blocks = `l1 AS MATERIALIZED (SELECT n, n / ${L} AS b FROM s)`;
  const traces = `l2 AS MATERIALIZED (SELECT n, b * ${L} + (n % ${L}) / (1 + ${h('b', 7)} % ${L}) AS tr FROM l1)`;
  const base = `base AS MATERIALIZED (SELECT n, tr, ${h('tr', 101)} AS ht1, ${h('tr', 102)} AS ht2, ${h('tr', 40)} AS htid,
      ${h('n', 10)} AS ha, ${h('n', 11)} AS hb, ${h('n', 12)} AS hc, ${h('n', 13)} AS hd,
      ${h('n', 31)} AS hr1, ${h('n', 32)} AS hr2, ${h('n', 33)} AS hr3, ${h('n', 41)} AS hresp
    FROM l2)`;
  // Key: the product of two uniforms (skewed: key 0 gets ~3% of traces, key 199 ~0.01%).
  const key = `(${SHAPE.keys} * (ht1 % 32768) * ((ht1 / 32768) % 32768)) / 1073741824`;
  const l3 = `SELECT n, tr, htid, hr1, hr2, hr3, hresp, ${key} AS k, ht2 % 100 AS q_model, (ht2 / 100) % 100 AS q_rule,
      ha % 100 AS r_stream, (ha / 100) % 1000 AS r_err, (ha / 100000) % ${ERRORS.length} AS r_kind, (ha / 400000) % 100 AS r_cache,
      ${u15('hb', 0)} AS u_in, ${u15('hb', 1)} AS u_out, ${u15('hc', 0)} AS u_cache, ${u15('hc', 1)} AS u_reason,
      ${u15('hd', 0)} AS u_ttft, ${u15('hd', 1)} AS u_dur
    FROM base`;
  const l4 = `SELECT l3.*, mdl.*,
      CASE WHEN r_err < ${SHAPE.errorPerMille} THEN 1 ELSE 0 END AS err,
      CASE WHEN r_stream < ${SHAPE.streamPercent} THEN 1 ELSE 0 END AS stream,
      CASE WHEN r_err < ${SHAPE.errorPerMille} THEN NULL ELSE 50 + CAST(floor(20000 * u_in * u_in * u_in) AS BIGINT) END AS inp,
      CASE WHEN r_err < ${SHAPE.errorPerMille} THEN NULL ELSE 10 + CAST(floor(2000 * u_out * u_out) AS BIGINT) END AS outp
    FROM (${l3}) l3 CROSS JOIN keys CROSS JOIN mdl
    WHERE keys.k = l3.k AND mdl.id = CASE WHEN q_model < 70 THEN m1 WHEN q_model < 95 THEN m2 ELSE m3 END`;
  const l5 = `SELECT l4.*,
      CASE WHEN err = 1 THEN NULL WHEN r_cache < 35 THEN CAST(floor(inp * ${dbl(0.8)} * u_cache) AS BIGINT) ELSE 0 END AS cached,
      CASE WHEN err = 1 OR m_write = 0 THEN NULL WHEN r_cache >= 35 AND r_cache < 45 THEN CAST(floor(inp * ${dbl(0.5)} * u_cache) AS BIGINT) ELSE 0 END AS cwrite,
      CASE WHEN err = 1 OR m_reasoning = 0 THEN NULL ELSE CAST(floor(outp * ${dbl(0.7)} * u_reason) AS BIGINT) END AS reason,
      CASE WHEN err = 1 OR stream = 0 THEN NULL ELSE 80 + 40 * ttft_scale / (1 - 0.995 * u_ttft) END AS ttft
    FROM (${l4}) l4`;
  const select = `SELECT
      ${d.hex('hr1', 8)} || '-' || ${d.hex('hr2 % 65536', 4)} || '-4' || ${d.hex('(hr2 / 65536) % 4096', 3)} || '-' || ${d.hex('32768 + hr3 % 16384', 4)} || '-' || ${d.hex('n', 12)},
      ${start} + (n * ${LEDGER_SPAN_MS}) / ${total},
      ${d.hex('htid', 16)} || ${d.hex('tr', 16)},
      CASE WHEN err = 1 THEN NULL ELSE CASE m_provider WHEN 'anthropic' THEN 'msg_' WHEN 'openai' THEN 'chatcmpl-' ELSE 'resp-' END || ${d.hex('hresp', 8)} || ${d.hex('n', 12)} END,
      'team-' || ${d.pad2('k % ' + SHAPE.projects)},
      ${d.hex(`(k + 1) * 2654435761`, 16)},
      CASE WHEN q_rule < 10 THEN 'fallback' ELSE m_rule END,
      m_backend, m_provider, m_api, m_model,
      CASE WHEN err = 1 THEN NULL ELSE m_model END,
      stream,
      CASE WHEN err = 1 THEN ${errorCase('r_kind', 0)} ELSE 200 END,
      CASE WHEN err = 1 THEN ${errorCase('r_kind', 1)} ELSE NULL END,
      inp, cached, cwrite, outp, reason, inp + outp,
      CASE WHEN err = 1 THEN 20 + 480 * u_dur ELSE COALESCE(ttft, 150 * ttft_scale) + outp * ms_tok + 300 / (1 - 0.99 * u_dur) END,
      ttft,
      CASE WHEN err = 1 OR m_priced = 0 THEN NULL
        ELSE ((inp - cached - COALESCE(cwrite, 0)) * p_in + cached * p_cached + COALESCE(cwrite, 0) * p_write + outp * p_out) / 1000000 END
    FROM (${l5}) l5`;
  return `INSERT INTO ledger (${LEDGER_COLUMNS.join(', ')})
    WITH RECURSIVE ${d.counter('s', lo, hi)}, ${d.counter('kc', 0, SHAPE.keys)}, ${modelsCte()}, ${keys}, ${blocks}, ${traces}, ${base}
    ${select}`;
}
