/**
 * Loader for the recorded provider traffic (go-vcr v2 YAML cassettes) kept beside the repository
 * in `../shared/fixtures/openai-recorded`. Each cassette holds interactions with the request and
 * response as sent: URL, method, headers, body, status code.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Directory of the recorded cassettes. */
export const CASSETTE_DIR = fileURLToPath(new URL('../../../shared/fixtures/openai-recorded/', import.meta.url));

/** Headers as recorded: canonical names, each with its list of values. */
export type RecordedHeaders = Readonly<Record<string, readonly string[]>>;

/** A recorded request. */
export interface RecordedRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: RecordedHeaders;
  /** Body as recorded (multipart uploads are recorded as a placeholder text). */
  readonly body: string;
}

/** A recorded response. */
export interface RecordedResponse {
  /** HTTP status code. */
  readonly status: number;
  /** Status line text, e.g. `200 OK`. */
  readonly statusText: string;
  readonly headers: RecordedHeaders;
  readonly body: string;
}

/** One request/response exchange. */
export interface Interaction {
  readonly request: RecordedRequest;
  readonly response: RecordedResponse;
}

/** A loaded cassette. */
export interface Cassette {
  /** File name without `.yaml`. */
  readonly name: string;
  readonly interactions: readonly Interaction[];
}

/** Names of all cassettes (file names without `.yaml`), sorted. */
export function listCassettes(): string[] {
  return readdirSync(CASSETTE_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** Loads the cassette `name` (without `.yaml`); throws with the cassette name on a bad file. */
export function loadCassette(name: string): Cassette {
  const doc: unknown = parse(readFileSync(`${CASSETTE_DIR}${name}.yaml`, 'utf8'));
  const bad = (what: string): Error => new Error(`cassette ${name}: ${what}`);
  const interactions = field(doc, 'interactions');
  if (!Array.isArray(interactions)) throw bad('no interactions list');
  return {
    name,
    interactions: interactions.map((it: unknown, i) => {
      const req = field(it, 'request');
      const res = field(it, 'response');
      if (typeof req !== 'object' || req === null || typeof res !== 'object' || res === null) {
        throw bad(`interaction ${i} lacks request or response`);
      }
      const code = field(res, 'code');
      if (typeof code !== 'number') throw bad(`interaction ${i} has no response code`);
      return {
        request: {
          url: text(field(req, 'url')),
          method: text(field(req, 'method')),
          headers: headers(field(req, 'headers')),
          body: text(field(req, 'body')),
        },
        response: {
          status: code,
          statusText: text(field(res, 'status')),
          headers: headers(field(res, 'headers')),
          body: text(field(res, 'body')),
        },
      };
    }),
  };
}

/** First value of header `name` (any case), or undefined. */
export function headerValue(h: RecordedHeaders, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === want) return v[0];
  return undefined;
}

/** Headers with lower-cased names and values joined by `,` (the shape Envoy's headers take here). */
export function flatHeaders(h: RecordedHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v.join(',');
  return out;
}

function field(v: unknown, key: string): unknown {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

function headers(v: unknown): RecordedHeaders {
  const out: Record<string, string[]> = {};
  if (typeof v !== 'object' || v === null) return out;
  for (const [k, vals] of Object.entries(v as Record<string, unknown>)) {
    out[k] = Array.isArray(vals) ? vals.map(text) : [text(vals)];
  }
  return out;
}
