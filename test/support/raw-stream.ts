/**
 * Speaks ext_proc to the service directly, message by message, for protocol tests: open a
 * stream, send messages as Envoy would, half-close, and collect every reply in order.
 */
import { createExtProcClient, type ExtProcClient } from '../harness/ext-proc-client.js';
import type { InboundReply, OutboundMessage } from '../harness/wire.js';

export type { InboundReply, OutboundMessage };

/** Builds a request-headers message (values in raw_value, as Envoy sends them). */
export function headersMessage(
  headers: Record<string, string>,
  opts: { endOfStream?: boolean; phase?: 'requestHeaders' | 'responseHeaders'; observabilityMode?: boolean; protocol?: { requestBodyMode: string; responseBodyMode: string } } = {},
): OutboundMessage {
  const map = { headers: Object.entries(headers).map(([key, value]) => ({ key, rawValue: Buffer.from(value) })) };
  const msg: Record<string, unknown> = { [opts.phase ?? 'requestHeaders']: { headers: map, endOfStream: opts.endOfStream ?? false } };
  if (opts.observabilityMode) msg['observabilityMode'] = true;
  if (opts.protocol) msg['protocolConfig'] = opts.protocol;
  return msg as OutboundMessage;
}

/** Builds a body message. */
export function bodyMessage(body: string | Buffer, endOfStream: boolean, phase: 'requestBody' | 'responseBody' = 'requestBody', observabilityMode = false): OutboundMessage {
  const msg: Record<string, unknown> = { [phase]: { body: Buffer.isBuffer(body) ? body : Buffer.from(body), endOfStream } };
  if (observabilityMode) msg['observabilityMode'] = true;
  return msg as OutboundMessage;
}

/** Standard chat request headers. */
export function chatHeaders(extra: Record<string, string> = {}, path = '/v1/chat/completions'): Record<string, string> {
  return { ':method': 'POST', ':path': path, ':authority': 'gateway.local', ':scheme': 'http', 'content-type': 'application/json', ...extra };
}

/** A stream session: send messages one at a time and await each reply, like Envoy. */
export class RawStream {
  private readonly call;
  private readonly replies: InboundReply[] = [];
  private waiters: Array<() => void> = [];
  /** Resolves with the gRPC status when the server ends the stream. */
  readonly ended: Promise<{ code: number; details: string }>;

  constructor(client: ExtProcClient) {
    this.call = client.open();
    this.call.on('data', (r: InboundReply) => {
      this.replies.push(r);
      for (const w of this.waiters.splice(0)) w();
    });
    this.ended = new Promise((resolve) => {
      this.call.on('status', (s: { code: number; details: string }) => {
        resolve({ code: s.code, details: s.details });
        for (const w of this.waiters.splice(0)) w();
      });
      this.call.on('error', () => undefined); // status carries the outcome
    });
  }

  /** Sends a message without waiting. */
  send(msg: OutboundMessage): void {
    this.call.write(msg);
  }

  /** Resolves once at least `n` replies have arrived in total (or the stream ended). */
  async waitFor(n: number): Promise<InboundReply[]> {
    let done = false;
    void this.ended.then(() => (done = true));
    while (this.replies.length < n && !done) {
      await new Promise<void>((r) => this.waiters.push(r));
      await Promise.resolve();
    }
    return this.replies.slice();
  }

  /** Sends a message and resolves with the next reply. */
  async roundTrip(msg: OutboundMessage): Promise<InboundReply> {
    const want = this.replies.length + 1;
    this.send(msg);
    const all = await this.waitFor(want);
    const reply = all[want - 1];
    if (!reply) throw new Error(`stream ended before a reply (status ${JSON.stringify(await this.ended)})`);
    return reply;
  }

  /** Half-closes like Envoy at the end of a request and resolves with every reply and the status. */
  async close(): Promise<{ replies: InboundReply[]; status: { code: number; details: string } }> {
    this.call.end();
    const status = await this.ended;
    return { replies: this.replies.slice(), status };
  }

  /** Cancels the stream (RST_STREAM), as Envoy does when the downstream resets. */
  cancel(): void {
    this.call.cancel();
  }

  /**
   * Half-closes and at once resets the stream (RST_STREAM CANCEL) without waiting for the
   * status: how Envoy's ext_proc filter ends every stream unless its runtime guard
   * `envoy.reloadable_features.ext_proc_graceful_grpc_close` is on (off by default).
   */
  closeAndReset(): void {
    this.call.end();
    this.call.cancel();
  }
}

/** Opens a client to `target`. */
export function connect(target: string): ExtProcClient {
  return createExtProcClient(target);
}

/** Header mutation of a reply as a plain map `set` and list `remove`. */
export function mutationOf(reply: InboundReply): { set: Record<string, string>; remove: string[]; clearRouteCache: boolean } {
  const common =
    reply.requestHeaders?.response ?? reply.requestBody?.response ?? reply.responseHeaders?.response ?? reply.responseBody?.response ?? undefined;
  const set: Record<string, string> = {};
  for (const h of common?.headerMutation?.setHeaders ?? []) {
    const hv = h.header;
    if (hv?.key) set[hv.key] = hv.rawValue && hv.rawValue.length ? Buffer.from(hv.rawValue).toString() : (hv.value ?? "");
  }
  return { set, remove: common?.headerMutation?.removeHeaders ?? [], clearRouteCache: common?.clearRouteCache ?? false };
}
