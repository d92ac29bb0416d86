/**
 * How long a provider asks a client to wait, read from the rate-limit headers of one response.
 * Providers say it in different forms:
 *
 * - `retry-after`: delay in seconds, or an HTTP date (RFC 9110 §10.2.3);
 * - `retry-after-ms`: delay in milliseconds (sent by OpenAI and Azure OpenAI, read by their SDKs);
 * - OpenAI `x-ratelimit-reset-requests` / `x-ratelimit-reset-tokens`: Go-style durations such as
 *   `6m0s`, `20ms`, `1s`, next to `x-ratelimit-remaining-requests` / `-tokens`;
 * - Anthropic `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-reset`: RFC 3339
 *   instants, next to `anthropic-ratelimit-*-remaining`.
 *
 * Pure functions: the current time is an argument, headers are lower-cased names.
 */

/** Where a wait came from (for logs and tests). */
export type WaitSource = 'retry-after-ms' | 'retry-after' | 'openai-reset' | 'anthropic-reset';

/** A provider's requested wait. */
export interface ProviderWait {
  /** Milliseconds from `nowMs` until the provider expects a retry to succeed (≥ 0). */
  readonly waitMs: number;
  readonly source: WaitSource;
}

const DECIMAL = /^\d+(?:\.\d+)?$/;

/** Milliseconds of `retry-after-ms` (a non-negative decimal number), else undefined. */
export function parseRetryAfterMs(value: string | undefined): number | undefined {
  const v = value?.trim();
  if (!v || !DECIMAL.test(v)) return undefined;
  const ms = Number(v);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Milliseconds of a `retry-after` value: delay-seconds (a non-negative number; fractions are
 * accepted, as some providers send them) or an HTTP date, counted from `nowMs` (0 when past).
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (DECIMAL.test(v)) {
    const s = Number(v);
    return Number.isFinite(s) ? s * 1000 : undefined;
  }
  // HTTP-date: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") or the obsolete RFC 850 / asctime forms.
  if (!/^[A-Za-z]{3}/.test(v) || !/\d{2}:\d{2}:\d{2}/.test(v)) return undefined;
  // HTTP dates are always GMT; asctime carries no zone, which Date.parse would read as local time.
  const at = Date.parse(/GMT$/.test(v) ? v : `${v} GMT`);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

const DURATION_UNITS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

/**
 * Milliseconds of a Go-style duration as OpenAI writes its reset headers: one or more
 * `<number><unit>` parts, units `h`, `m`, `s`, `ms`, `us`/`µs`, `ns` (`6m0s`, `20ms`, `1.5s`).
 */
export function parseGoDuration(value: string | undefined): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (v === '0') return 0;
  const part = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/y;
  let total = 0;
  let at = 0;
  while (at < v.length) {
    part.lastIndex = at;
    const m = part.exec(v);
    if (!m) return undefined;
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
    at = part.lastIndex;
  }
  return Number.isFinite(total) ? total : undefined;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** Milliseconds from `nowMs` until an RFC 3339 instant (0 when past), else undefined. */
export function parseRfc3339Wait(value: string | undefined, nowMs: number): number | undefined {
  const v = value?.trim();
  if (!v || !RFC3339.test(v)) return undefined;
  const at = Date.parse(v.replace(' ', 'T'));
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** True when a `*-remaining` header says the limit is used up (absent counts as unknown). */
function exhausted(headers: Readonly<Record<string, string>>, remaining: string): boolean | undefined {
  const v = headers[remaining]?.trim();
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n <= 0 : undefined;
}

/**
 * The wait of a family of reset headers: the longest wait among limits reported used up; when
 * no `-remaining` header says which one is, the longest of all (a 429 means one of them is).
 */
function resetWait(
  headers: Readonly<Record<string, string>>,
  limits: readonly string[],
  reset: (limit: string) => string,
  remaining: (limit: string) => string,
  parse: (v: string | undefined) => number | undefined,
): number | undefined {
  const all: number[] = [];
  const used: number[] = [];
  for (const limit of limits) {
    const ms = parse(headers[reset(limit)]);
    if (ms === undefined) continue;
    all.push(ms);
    if (exhausted(headers, remaining(limit)) === true) used.push(ms);
  }
  const pick = used.length > 0 ? used : all;
  return pick.length > 0 ? Math.max(...pick) : undefined;
}

const OPENAI_LIMITS = ['requests', 'tokens'] as const;
const ANTHROPIC_LIMITS = ['requests', 'tokens', 'input-tokens', 'output-tokens'] as const;

/**
 * The wait a provider asks for in `headers` (lower-cased names), in this order of preference:
 * `retry-after-ms`, `retry-after`, OpenAI's reset durations, Anthropic's reset instants.
 * Undefined when the response names none.
 */
export function providerWait(headers: Readonly<Record<string, string>>, nowMs: number): ProviderWait | undefined {
  const ms = parseRetryAfterMs(headers['retry-after-ms']);
  if (ms !== undefined) return { waitMs: ms, source: 'retry-after-ms' };
  const ra = parseRetryAfter(headers['retry-after'], nowMs);
  if (ra !== undefined) return { waitMs: ra, source: 'retry-after' };
  const openai = resetWait(headers, OPENAI_LIMITS, (l) => `x-ratelimit-reset-${l}`, (l) => `x-ratelimit-remaining-${l}`, parseGoDuration);
  if (openai !== undefined) return { waitMs: openai, source: 'openai-reset' };
  const anthropic = resetWait(
    headers,
    ANTHROPIC_LIMITS,
    (l) => `anthropic-ratelimit-${l}-reset`,
    (l) => `anthropic-ratelimit-${l}-remaining`,
    (v) => parseRfc3339Wait(v, nowMs),
  );
  if (anthropic !== undefined) return { waitMs: anthropic, source: 'anthropic-reset' };
  return undefined;
}
