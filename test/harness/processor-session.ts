/**
 * One ext_proc gRPC stream, driven the way Envoy's ext_proc filter drives it: opened lazily at
 * the first message, `protocol_config` on that first message, replies read strictly in order,
 * failures turned into Envoy's answers (500 / 504, or "continue untouched" when
 * `failure_mode_allow`), and ended by half-close (never cancel on a normal end).
 */
import type * as grpc from '@grpc/grpc-js';
import type { Exchange } from './exchange.js';
import type { BodySendMode, InboundReply, ImmediateReply, OutboundMessage, ReplyKind } from './wire.js';

/** Opens one `Process` bidi stream. */
export type OpenStream = () => grpc.ClientDuplexStream<OutboundMessage, InboundReply>;

/** Thrown to end the HTTP request with a reply made by the harness (as Envoy's local reply). */
export class LocalReply extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly body: Buffer = Buffer.alloc(0),
  ) {
    super(reason);
  }
}

/** Thrown when the processor answered with an `immediate_response`. */
export class ImmediateResponseSignal extends Error {
  constructor(readonly response: ImmediateReply) {
    super('immediate_response');
  }
}

/** Settings of a session. */
export interface SessionOptions {
  readonly open: OpenStream;
  readonly exchange: Exchange;
  readonly observability: boolean;
  readonly failureModeAllow: boolean;
  readonly messageTimeoutMs: number;
  readonly requestBodyMode: BodySendMode;
  readonly responseBodyMode: BodySendMode;
  /** Attributes sent with the first message (`request_attributes`), e.g. `xds.cluster_name` of an upstream-level filter. */
  readonly attributes?: Readonly<Record<string, string>>;
}

type Event = { kind: 'reply'; reply: InboundReply } | { kind: 'closed' } | { kind: 'timeout' };

/** The processor side of one exchange. */
export class ProcessorSession {
  /** True once processing stopped and the request continues untouched (failure_mode_allow, clean close). */
  disabled = false;
  private call: grpc.ClientDuplexStream<OutboundMessage, InboundReply> | undefined;
  private readonly queue: InboundReply[] = [];
  private wake: (() => void) | undefined;
  private status: grpc.StatusObject | undefined;
  private readEnded = false;
  private closedPromise: Promise<void> | undefined;
  private ended = false;

  constructor(private readonly options: SessionOptions) {}

  /** Whether replies are expected (false in observability mode or once disabled). */
  get expectsReplies(): boolean {
    return !this.options.observability && !this.disabled;
  }

  /** Sends one message (opening the stream first when needed). No-op once disabled. */
  async send(message: OutboundMessage): Promise<void> {
    if (this.disabled || this.ended) return;
    const first = this.call === undefined;
    const call = this.call ?? this.openCall();
    const full: OutboundMessage = { ...message };
    if (first) {
      full.protocolConfig = {
        requestBodyMode: this.options.requestBodyMode,
        responseBodyMode: this.options.responseBodyMode,
      };
      const attributes = this.options.attributes;
      if (attributes !== undefined) {
        const fields = Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { stringValue: v }]));
        full.attributes = { 'envoy.filters.http.ext_proc': { fields } };
      }
    }
    if (this.options.observability) full.observabilityMode = true;
    this.options.exchange.sent.push(full);
    if (this.isClosed()) return;
    if (!call.write(full)) await new Promise<void>((resolve) => call.once('drain', resolve));
  }

  /**
   * Waits for the reply to the last message. Returns it when its kind is one of `kinds`;
   * returns null when the request must continue untouched (observability, disabled,
   * failure_mode_allow after an error, stream closed cleanly); throws ImmediateResponseSignal
   * or LocalReply otherwise.
   */
  async expect(kinds: readonly ReplyKind[], what: string): Promise<InboundReply | null> {
    if (!this.expectsReplies) return null;
    const event = await this.nextEvent();
    const exchange = this.options.exchange;
    if (event.kind === 'timeout') {
      exchange.violation(`no reply to ${what} within ${this.options.messageTimeoutMs} ms`);
      return this.fail(504, `ext_proc message timeout waiting for ${what}`);
    }
    if (event.kind === 'closed') {
      if (this.status && this.status.code !== 0) {
        return this.fail(500, `ext_proc gRPC error ${this.status.code} (${this.status.details}) waiting for ${what}`);
      }
      // Envoy takes a clean close as "no more processing" and lets the request continue.
      exchange.ignored.push(`processor closed the stream before replying to ${what}: continued unprocessed`);
      this.disabled = true;
      return null;
    }
    const reply = event.reply;
    const kind = reply.response;
    if (kind && kinds.includes(kind)) return reply;
    if (kind === 'immediateResponse') throw new ImmediateResponseSignal(reply.immediateResponse ?? {});
    exchange.violation(`expected ${kinds.join(' or ')} in reply to ${what}, got ${kind ?? 'an empty reply'}`);
    return this.fail(500, `ext_proc protocol error: unexpected ${kind ?? 'empty'} reply to ${what}`);
  }

  /**
   * Ends the stream as Envoy does: half-close, then wait for the processor to finish (with the
   * message timeout as a guard). Replies nobody asked for are violations.
   */
  async finish(): Promise<void> {
    if (!this.call) return;
    if (!this.ended) {
      this.ended = true;
      if (!this.isClosed()) this.call.end();
    }
    const closed = this.closed();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      closed.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), this.options.messageTimeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    const exchange = this.options.exchange;
    if (timedOut) {
      exchange.violation('processor did not finish the stream after the half-close');
      this.call.cancel();
      await closed;
    }
    for (const reply of this.queue.splice(0)) {
      exchange.violation(
        this.options.observability
          ? `reply ${reply.response ?? 'empty'} in observability mode`
          : `unexpected extra reply ${reply.response ?? 'empty'}`,
      );
    }
    if (this.status) exchange.grpcStatus = { code: this.status.code, details: this.status.details };
  }

  /** Stops processing after a local reply was decided (Envoy closes the stream then). */
  stop(): void {
    this.disabled = true;
  }

  private fail(status: number, reason: string): null {
    if (this.options.failureModeAllow) {
      this.disabled = true;
      return null;
    }
    this.disabled = true;
    throw new LocalReply(status, reason);
  }

  private openCall(): grpc.ClientDuplexStream<OutboundMessage, InboundReply> {
    const call = this.options.open();
    this.call = call;
    const exchange = this.options.exchange;
    call.on('data', (reply: InboundReply) => {
      exchange.receive(reply);
      this.queue.push(reply);
      this.notify();
    });
    call.on('end', () => {
      this.readEnded = true;
      this.notify();
    });
    call.on('status', (status: grpc.StatusObject) => {
      this.status = status;
      this.notify();
    });
    // Errors also arrive as a status; the listener keeps them from being thrown.
    call.on('error', () => undefined);
    this.closedPromise = new Promise<void>((resolve) => {
      const check = (): void => {
        if (this.isClosed()) resolve();
      };
      call.on('end', check);
      call.on('status', check);
    });
    return call;
  }

  private isClosed(): boolean {
    return this.status !== undefined && (this.readEnded || this.status.code !== 0);
  }

  private closed(): Promise<void> {
    return this.closedPromise ?? Promise.resolve();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async nextEvent(): Promise<Event> {
    const deadline = Date.now() + this.options.messageTimeoutMs;
    for (;;) {
      const reply = this.queue.shift();
      if (reply) return { kind: 'reply', reply };
      if (this.isClosed() || !this.call) return { kind: 'closed' };
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { kind: 'timeout' };
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        timer = setTimeout(resolve, remaining);
        timer.unref();
      });
      clearTimeout(timer);
    }
  }
}
