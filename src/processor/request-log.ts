/**
 * The structured line logged once per finished request. Built from an explicit list of fields, so
 * nothing else the outcome may carry (headers, bodies) can leak into logs; the path loses its query
 * string and fragment (Gemini clients send their API key as `?key=…`). Prompt text appears only when
 * the `log.prompts` debug option is on.
 */
import type { RequestOutcome } from '../hooks/outcome.js';

/** Longest prompt excerpt logged with `log.prompts`. */
export const MAX_LOGGED_PROMPT_CHARS = 2000;
/** Longest path or model logged (client-chosen strings). */
const MAX_FIELD_CHARS = 512;

/** Options of {@link formatRequestLog}. */
export interface RequestLogOptions {
  /** `log.prompts`: include the prompt text. Off by default; a debug aid only. */
  readonly prompts?: boolean;
  /** The prompt text, when known (ignored unless `prompts`). */
  readonly prompt?: string;
}

/** The fields of one request log line (snake_case, as log pipelines expect). */
export interface RequestLogLine {
  api?: string;
  method: string;
  path: string;
  model?: string;
  /** The model name sent upstream when a backend renamed it. */
  sent_model?: string;
  response_model?: string;
  rule?: string;
  status: number;
  stream: boolean;
  error_type?: string;
  duration_ms: number;
  ttft_ms?: number;
  input_tokens?: number;
  cached_input_tokens?: number;
  cache_creation_input_tokens?: number;
  output_tokens?: number;
  reasoning_tokens?: number;
  total_tokens?: number;
  finish_reason?: string;
  response_id?: string;
  prompt?: string;
  prompt_truncated?: boolean;
}

/** The path without query string or fragment. */
export function pathWithoutQuery(path: string): string {
  const q = path.search(/[?#]/);
  return cut(q < 0 ? path : path.slice(0, q), MAX_FIELD_CHARS);
}

function cut(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s;
}

function ms(n: number): number {
  return Math.round(n * 100) / 100;
}

function isCount(n: number | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}

/** Builds the log object for one finished request; fields that are unknown are left out. */
export function formatRequestLog(o: RequestOutcome, opts: RequestLogOptions = {}): RequestLogLine {
  const line: RequestLogLine = {
    method: o.method,
    path: pathWithoutQuery(o.path),
    status: o.status,
    stream: o.stream,
    duration_ms: ms(o.durationMs),
  };
  if (o.api !== undefined) line.api = o.api;
  if (o.model !== undefined) line.model = cut(o.model, MAX_FIELD_CHARS);
  if (o.sentModel !== undefined) line.sent_model = cut(o.sentModel, MAX_FIELD_CHARS);
  if (o.rule !== undefined) line.rule = o.rule;
  if (o.errorType !== undefined) line.error_type = cut(o.errorType, MAX_FIELD_CHARS);
  if (o.ttftMs !== undefined && Number.isFinite(o.ttftMs)) line.ttft_ms = ms(o.ttftMs);
  const info = o.info;
  if (info) {
    if (info.model !== undefined) line.response_model = cut(info.model, MAX_FIELD_CHARS);
    const u = info.usage;
    if (isCount(u.input)) line.input_tokens = u.input;
    if (isCount(u.cachedInput)) line.cached_input_tokens = u.cachedInput;
    if (isCount(u.cacheCreationInput)) line.cache_creation_input_tokens = u.cacheCreationInput;
    if (isCount(u.output)) line.output_tokens = u.output;
    if (isCount(u.reasoning)) line.reasoning_tokens = u.reasoning;
    if (isCount(u.total)) line.total_tokens = u.total;
    if (info.finishReason !== undefined) line.finish_reason = cut(info.finishReason, MAX_FIELD_CHARS);
    if (info.responseId !== undefined) line.response_id = cut(info.responseId, MAX_FIELD_CHARS);
  }
  if (opts.prompts && opts.prompt !== undefined) {
    line.prompt = cut(opts.prompt, MAX_LOGGED_PROMPT_CHARS);
    if (opts.prompt.length > MAX_LOGGED_PROMPT_CHARS) line.prompt_truncated = true;
  }
  return line;
}
