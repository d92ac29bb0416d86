/**
 * Reads recorded exchanges for `llm-extproc replay`, from either of two formats:
 *
 * - **JSONL** (`.jsonl`, `.ndjson`): one exchange per line,
 *   `{"request": {"method", "path" | "url", "headers", "body"}, "response": {"status", "headers", "body"}}`.
 *   `body` is a string (sent as is) or any other JSON value (sent as its JSON text); header
 *   values are strings or lists of strings. Blank lines and lines starting with `#` are skipped.
 * - **Recorded cassettes** (`.yaml`, `.yml`, go-vcr v2 as in the test fixtures):
 *   `interactions[].request.{url, method, headers, body}` and
 *   `interactions[].response.{code, headers, body}`.
 *
 * Problems name the file and line (JSONL) or interaction (cassette).
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { PlayableExchange } from '../envoy/replay-stream.js';

/** A file that is not a readable exchange list. */
export class ExchangeFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExchangeFileError';
  }
}

/** One exchange and where it came from (`file:line` or `file#interaction`). */
export interface RecordedExchange extends PlayableExchange {
  readonly source: string;
}

const headerValues = z.union([z.string(), z.number().transform(String), z.array(z.union([z.string(), z.number().transform(String)]))]);
const headersSchema = z.record(z.string(), headerValues).default({});
const bodySchema = z.unknown().optional();

const jsonlSchema = z.object({
  request: z
    .object({
      method: z.string().min(1).default('POST'),
      path: z.string().startsWith('/').optional(),
      url: z.string().min(1).optional(),
      headers: headersSchema,
      body: bodySchema,
    })
    .refine((r) => r.path !== undefined || r.url !== undefined, { message: 'request needs a path or a url' }),
  response: z.object({
    status: z.number().int().min(100).max(599),
    headers: headersSchema,
    body: bodySchema,
  }),
});

const DEFAULT_AUTHORITY = 'llm-extproc.replay';

function flatten(headers: Readonly<Record<string, string | readonly string[]>>): Array<readonly [string, string]> {
  return Object.entries(headers).map(([k, v]) => [k.toLowerCase(), typeof v === 'string' ? v : v.join(',')] as const);
}

function bodyBytes(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
}

/** Path and authority of `url` (absolute, or a path). */
function target(url: string, where: string): { path: string; authority: string } {
  if (url.startsWith('/')) return { path: url, authority: DEFAULT_AUTHORITY };
  try {
    const u = new URL(url);
    return { path: `${u.pathname}${u.search}`, authority: u.host };
  } catch {
    throw new ExchangeFileError(`${where}: request url ${JSON.stringify(url)} is not a URL or a path`);
  }
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(line)'}: ${i.message}`).join('; ');
}

/** Parses JSONL text; `file` names the source in errors. */
export function parseJsonlExchanges(text: string, file: string): RecordedExchange[] {
  const out: RecordedExchange[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    const where = `${file}:${i + 1}`;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new ExchangeFileError(`${where}: not JSON (${(err as Error).message})`);
    }
    const r = jsonlSchema.safeParse(value);
    if (!r.success) throw new ExchangeFileError(`${where}: ${describe(r.error)}`);
    const { request, response } = r.data;
    const headers = flatten(request.headers);
    const { path, authority } = target(request.path ?? request.url!, where);
    const host = headers.find(([k]) => k === 'host')?.[1];
    out.push({
      source: where,
      request: { method: request.method, path, authority: host ?? authority, headers: headers.filter(([k]) => k !== 'host'), body: bodyBytes(request.body) },
      response: { status: response.status, headers: flatten(response.headers), body: bodyBytes(response.body) },
    });
  }
  return out;
}

function field(v: unknown, key: string): unknown {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

function recordedHeaders(v: unknown): Array<readonly [string, string]> {
  if (typeof v !== 'object' || v === null) return [];
  return Object.entries(v as Record<string, unknown>).map(([k, vals]) => [k.toLowerCase(), Array.isArray(vals) ? vals.map(text).join(',') : text(vals)] as const);
}

/** Parses a go-vcr cassette; `file` names the source in errors. */
export function parseCassetteExchanges(yamlText: string, file: string): RecordedExchange[] {
  let doc: unknown;
  try {
    doc = parseYaml(yamlText);
  } catch (err) {
    throw new ExchangeFileError(`${file}: not YAML (${(err as Error).message})`);
  }
  const interactions = field(doc, 'interactions');
  if (!Array.isArray(interactions)) throw new ExchangeFileError(`${file}: no interactions list (expected a recorded cassette)`);
  return interactions.map((it: unknown, i) => {
    const where = `${file}#${i}`;
    const req = field(it, 'request');
    const res = field(it, 'response');
    const code = field(res, 'code');
    if (typeof req !== 'object' || req === null || typeof code !== 'number') throw new ExchangeFileError(`${where}: interaction lacks a request or a response code`);
    const { path, authority } = target(text(field(req, 'url')) || '/', where);
    const headers = recordedHeaders(field(req, 'headers'));
    return {
      source: where,
      request: { method: text(field(req, 'method')) || 'POST', path, authority, headers: headers.filter(([k]) => k !== 'host'), body: Buffer.from(text(field(req, 'body')), 'utf8') },
      response: { status: code, headers: recordedHeaders(field(res, 'headers')), body: Buffer.from(text(field(res, 'body')), 'utf8') },
    };
  });
}

/** Parses `text` by the extension of `file`: `.yaml`/`.yml` as a cassette, anything else as JSONL. */
export function parseExchangeFile(text: string, file: string): RecordedExchange[] {
  return /\.ya?ml$/i.test(file) ? parseCassetteExchanges(text, file) : parseJsonlExchanges(text, file);
}
