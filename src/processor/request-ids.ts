/**
 * Request and trace ids of one request:
 *
 * - **request id**: Envoy's `x-request-id` when present, else a generated UUID; echoed to the
 *   client on the response (`x-request-id`) and sent upstream when generated.
 * - **W3C trace context**: a valid `traceparent` from the caller is continued (same trace-id,
 *   a new parent-id: ours); otherwise a new trace is started. The upstream gets the result.
 * - **trace id** (what the ledger groups a session's requests by): the configured header
 *   (`ledger.traceHeader`), else the client's own session metadata in the body (Anthropic
 *   `metadata.user_id`, OpenAI `user`, then `prompt_cache_key`), else the W3C trace-id.
 */
import { randomUUID } from 'node:crypto';
import { cleanIdLabel, sessionIdFromBody } from '../apis/session-id.js';
import type { HeaderRecord, PhaseReply } from '../hooks/phase.js';

/** The request-id header Envoy sets and we echo. */
export const REQUEST_ID_HEADER = 'x-request-id';
/** W3C trace context header. */
export const TRACEPARENT_HEADER = 'traceparent';
const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** A parsed W3C traceparent. */
export interface TraceContext {
  readonly traceId: string;
  readonly parentId: string;
  readonly flags: string;
}

/** Parses a `traceparent` value; undefined when it is not a valid one (W3C Trace Context, level 1). */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  const m = TRACEPARENT_RE.exec((value ?? '').trim());
  if (!m) return undefined;
  const [, version, traceId, parentId, flags, rest] = m;
  if (version === 'ff') return undefined;
  if (version === '00' && rest !== undefined) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return undefined;
  return { traceId: traceId!, parentId: parentId!, flags: flags! };
}

/** The traceparent to send upstream: the caller's trace continued with a new span id, or a new trace. */
export function nextTraceparent(incoming: string | undefined, random: (n: number) => string = randomHex): { traceparent: string; traceId: string } {
  const parent = parseTraceparent(incoming);
  const traceId = parent?.traceId ?? random(16);
  const flags = parent?.flags ?? '01';
  return { traceparent: `00-${traceId}-${random(8)}-${flags}`, traceId };
}

/**
 * Random hex for trace and span ids, up to 16 bytes. Taken from randomUUID, which draws on a
 * cached entropy pool (randomBytes per request was a measurable share of request CPU); a UUID's
 * fixed version and variant bits leave 122 random bits, plenty for W3C ids. Never all zeros.
 */
function randomHex(bytes: number): string {
  for (;;) {
    const hex = randomUUID().replace(/-/g, '').slice(0, bytes * 2);
    if (!/^0+$/.test(hex)) return hex;
  }
}

/** Ids of one request, and the header changes that carry them. */
export class RequestIds {
  /** The request id (Envoy's or ours). */
  readonly requestId: string;
  /** The traceparent sent upstream. */
  readonly traceparent: string;
  private readonly w3cTraceId: string;
  private readonly generatedRequestId: boolean;
  private readonly headerTraceId: string | undefined;
  private sessionId: string | undefined;

  constructor(headers: HeaderRecord, traceHeader: string | undefined, newId: () => string = randomUUID) {
    const given = cleanIdLabel(headers[REQUEST_ID_HEADER]);
    this.generatedRequestId = given === undefined;
    this.requestId = given ?? newId();
    const trace = nextTraceparent(headers[TRACEPARENT_HEADER]);
    this.traceparent = trace.traceparent;
    this.w3cTraceId = trace.traceId;
    this.headerTraceId = traceHeader ? cleanIdLabel(headers[traceHeader]) : undefined;
  }

  /**
   * Takes the client's session id from the request body (when no trace header was sent):
   * `known` is what the API's body parser already read (`null`: none), else the body is scanned.
   */
  readBody(body: Buffer | undefined, known?: string | null): void {
    if (this.headerTraceId !== undefined || this.sessionId !== undefined) return;
    this.sessionId = known === undefined ? sessionIdFromBody(body) : (known ?? undefined);
  }

  /** The id the ledger groups this request's session by. */
  get traceId(): string {
    return this.headerTraceId ?? this.sessionId ?? this.w3cTraceId;
  }

  /**
   * Adds the id headers to replies: `traceparent` (and a generated `x-request-id`) on the
   * request-headers reply, `x-request-id` on the response-headers reply and on local replies.
   */
  decorate(replies: PhaseReply[]): PhaseReply[] {
    for (let i = 0; i < replies.length; i++) {
      const r = replies[i]!;
      if (r.kind === 'immediate') {
        if (!r.headers.some(([k]) => k === REQUEST_ID_HEADER)) replies[i] = { ...r, headers: [...r.headers, [REQUEST_ID_HEADER, this.requestId] as const] };
      } else if (r.phase === 'requestHeaders') {
        replies[i] = withSet(r, TRACEPARENT_HEADER, this.traceparent, this.generatedRequestId ? this.requestId : undefined);
      } else if (r.phase === 'responseHeaders') {
        replies[i] = withSet(r, REQUEST_ID_HEADER, this.requestId, undefined);
      }
    }
    return replies;
  }
}

/**
 * `r` with `name: value` (and `x-request-id: requestId` when given) added to its set headers,
 * unless it sets them already; a removal of an added header is dropped.
 */
function withSet(r: Extract<PhaseReply, { kind: 'continue' }>, name: string, value: string, requestId: string | undefined): PhaseReply {
  const set = r.headers?.set ?? [];
  const out = set.slice();
  const addName = !set.some(([k]) => k === name);
  const addId = requestId !== undefined && !set.some(([k]) => k === REQUEST_ID_HEADER);
  if (addName) out.push([name, value]);
  if (addId) out.push([REQUEST_ID_HEADER, requestId]);
  let remove = r.headers?.remove;
  if (remove && remove.length > 0) {
    remove = remove.filter((h) => !(addName && h === name) && !(addId && h === REQUEST_ID_HEADER));
  }
  return { ...r, headers: { set: out, ...(remove && remove.length > 0 ? { remove } : {}) } };
}
