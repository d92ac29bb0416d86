/**
 * Model extraction: the validating top-level scanner (`scanTopLevel`, what the service runs on
 * every request body) against `JSON.parse(buf.toString())` of the same body, on 1 MB chat
 * bodies of several shapes and on the scanner's tricky corpus, where both must give identical
 * answers (validity, and the value of `model` and `stream`).
 */
import { isDeepStrictEqual } from 'node:util';
import { scanTopLevel } from '../src/apis/json-scan.js';
import { jsonScanCorpus } from '../src/apis/json-scan.corpus.js';
import { chatRequestBody, MB, type BodyShape } from './bodies.js';
import { timePair } from './timing.js';

const KEYS: ReadonlySet<string> = new Set(['model', 'stream']);

/** What JSON.parse makes of a body, in the scanner's terms. */
function parseAnswer(body: Uint8Array): { ok: boolean; values: Record<string, unknown> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return { ok: false, values: {} };
  }
  const values: Record<string, unknown> = {};
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    for (const key of KEYS) if (Object.hasOwn(parsed, key)) values[key] = (parsed as Record<string, unknown>)[key];
  }
  return { ok: true, values };
}

function scanAnswer(body: Uint8Array): { ok: boolean; values: Record<string, unknown> } {
  const r = scanTopLevel(body, KEYS);
  return r.ok ? { ok: true, values: Object.fromEntries(r.values) } : { ok: false, values: {} };
}

/** Timing of one body: scanner vs JSON.parse (ns per call). */
export interface ExtractionTiming {
  readonly shape: BodyShape;
  readonly bytes: number;
  readonly scanNs: number;
  readonly parseNs: number;
}

/** Times extraction on a 1 MB (or `size`) chat body of `shape`; checks both read the same model first. */
export function timeExtraction(shape: BodyShape, size = MB, opts: { rounds?: number; batchMs?: number } = {}): ExtractionTiming {
  const body = chatRequestBody(size, { shape });
  if (!isDeepStrictEqual(scanAnswer(body), parseAnswer(body))) throw new Error(`scanner and JSON.parse disagree on the ${shape} body`);
  const t = timePair(
    () => scanTopLevel(body, KEYS),
    () => (JSON.parse(body.toString()) as { model?: unknown }).model,
    opts,
  );
  return { shape, bytes: body.length, scanNs: t.aNs, parseNs: t.bNs };
}

/** Outcome of the corpus check and its timing. */
export interface CorpusResult {
  readonly cases: number;
  /** Names of the cases where the scanner's answer differs from JSON.parse's (empty when identical). */
  readonly mismatches: string[];
  /** Cases where JSON.parse's answer differs from the corpus's recorded expectation. */
  readonly expectationMismatches: string[];
  /** Time to run the whole corpus once (ns). */
  readonly scanNs: number;
  readonly parseNs: number;
}

/** Runs the tricky corpus through both, compares every answer, and times one pass of each. */
export function checkCorpus(opts: { rounds?: number; batchMs?: number } = {}): CorpusResult {
  const mismatches: string[] = [];
  const expectationMismatches: string[] = [];
  for (const c of jsonScanCorpus) {
    const parsed = parseAnswer(c.body);
    if (!isDeepStrictEqual(scanAnswer(c.body), parsed)) mismatches.push(c.name);
    if (parsed.ok !== c.valid || (c.valid && !isDeepStrictEqual(parsed.values, c.values ?? {}))) expectationMismatches.push(c.name);
  }
  const t = timePair(
    () => {
      for (const c of jsonScanCorpus) scanTopLevel(c.body, KEYS);
    },
    () => {
      for (const c of jsonScanCorpus) {
        try {
          JSON.parse(Buffer.from(c.body.buffer, c.body.byteOffset, c.body.byteLength).toString());
        } catch {
          // invalid cases throw; the time to find out counts
        }
      }
    },
    opts,
  );
  return { cases: jsonScanCorpus.length, mismatches, expectationMismatches, scanNs: t.aNs, parseNs: t.bNs };
}
