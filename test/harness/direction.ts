/**
 * One direction (request or response) of an HTTP request through the ext_proc filter: the
 * headers phase, the body per body send mode, trailers, and each reply applied as Envoy
 * applies it. The caller supplies where the processed headers and bytes go.
 */
import { AsyncQueue } from './async-queue.js';
import { bodyChunks, type BodyChunk } from './body-chunks.js';
import type { Exchange } from './exchange.js';
import { applyHeaderMutation, hasHeader, removeHeader, getHeader, type MutationRules } from './headers.js';
import { LocalReply, type ProcessorSession } from './processor-session.js';
import type { BodySendMode, CommonReply, HeaderList, HeaderSendMode, InboundReply, PhaseKind } from './wire.js';
import { toHeaderMap } from './wire.js';

/** Which side of the exchange. */
export type Direction = 'request' | 'response';

const KINDS = {
  request: { headers: 'requestHeaders', body: 'requestBody', trailers: 'requestTrailers' },
  response: { headers: 'responseHeaders', body: 'responseBody', trailers: 'responseTrailers' },
} as const satisfies Record<Direction, Record<string, PhaseKind>>;

/** The modes in force for one direction. */
export interface DirectionModes {
  readonly header: HeaderSendMode;
  readonly body: BodySendMode;
  readonly trailer: HeaderSendMode;
}

/** What a direction reads from and writes to. */
export interface DirectionIo {
  readonly direction: Direction;
  /** Working header list (with pseudo-headers), mutated in place. */
  readonly headers: HeaderList;
  /** Whether a body follows the headers (end_of_stream on headers is its negation). */
  readonly hasBody: boolean;
  /** Body bytes as they arrive. */
  readonly source: AsyncIterable<Buffer>;
  /** Content-length the source declared (frames end_of_stream on the last data chunk). */
  readonly sourceLength: number | undefined;
  /** Trailers of the source, read after the body ended (empty when none). */
  readonly sourceTrailers: () => HeaderList;
  /** Modes in force now (a mode_override may change them between phases). */
  readonly modes: () => DirectionModes;
  /** Modes the filter was configured with (decide content-length removal, as Envoy). */
  readonly configured: DirectionModes;
  /** Envoy's buffer limit for BUFFERED / BUFFERED_PARTIAL. */
  readonly bufferLimit: number;
  /** Called with every headers reply (mode_override handling). */
  readonly onHeadersReply: (reply: InboundReply) => void;
  /** The processor cleared the route cache together with a header mutation (request side). */
  readonly clearRouteCache: () => void;
  /** The headers are final and go on (response side: the head is written to the client). */
  readonly headersFinal: () => void | Promise<void>;
  /** Processed body bytes, in order. */
  readonly emit: (chunk: Buffer) => void | Promise<void>;
  /** Processed trailers, when the source had some. */
  readonly emitTrailers: (trailers: HeaderList) => void;
  /** A BUFFERED body went over the buffer limit: throws the local reply Envoy sends. */
  readonly overLimit: () => never;
  /** The filter's `mutation_rules` (default: Envoy's defaults). */
  readonly mutationRules?: MutationRules;
}

/** Runs one direction to its end. Throws LocalReply / ImmediateResponseSignal to end the request. */
export async function runDirection(session: ProcessorSession, exchange: Exchange, io: DirectionIo): Promise<void> {
  const runner = new DirectionRunner(session, exchange, io);
  await runner.run();
}

class DirectionRunner {
  private headersSent = false;
  private readonly kinds: (typeof KINDS)[Direction];

  constructor(
    private readonly session: ProcessorSession,
    private readonly exchange: Exchange,
    private readonly io: DirectionIo,
  ) {
    this.kinds = KINDS[io.direction];
  }

  async run(): Promise<void> {
    const { io } = this;
    if (io.modes().body === 'FULL_DUPLEX_STREAMED' && this.session.expectsReplies) {
      await this.runFullDuplex();
      return;
    }
    let replacement: Buffer | undefined;
    if (io.modes().header === 'SEND') {
      await this.send(this.kinds.headers, { headers: toHeaderMap(io.headers), endOfStream: !io.hasBody });
      const reply = await this.session.expect([this.kinds.headers], this.kinds.headers);
      if (reply) {
        io.onHeadersReply(reply);
        const common = reply[this.kinds.headers]?.response;
        this.applyCommon(common, 'headers');
        if (common?.status === 'CONTINUE_AND_REPLACE') replacement = this.mutatedBody(Buffer.alloc(0), common);
      }
    }
    this.removeContentLengthIfEnvoyDoes();
    const source = io.hasBody ? bodyChunks(io.source, io.sourceLength) : emptyChunks();
    if (replacement !== undefined) {
      await drain(source);
      await this.headersFinal();
      if (replacement.length > 0) await io.emit(replacement);
      return;
    }
    if (!io.hasBody) {
      await this.headersFinal();
      return;
    }
    switch (io.modes().body) {
      case 'BUFFERED':
        await this.buffered(source, false);
        break;
      case 'BUFFERED_PARTIAL':
        await this.buffered(source, true);
        break;
      case 'STREAMED':
      case 'FULL_DUPLEX_STREAMED':
        await this.headersFinal();
        await this.streamed(source);
        break;
      default:
        await this.headersFinal();
        for await (const chunk of source) if (chunk.data.length > 0) await io.emit(chunk.data);
    }
    await this.trailers();
  }

  /**
   * STREAMED: each chunk goes to the processor as it arrives (Envoy queues them without waiting
   * for replies); replies are matched to chunks in order and each mutated chunk goes on.
   */
  private async streamed(source: AsyncGenerator<BodyChunk>): Promise<void> {
    const sent = new AsyncQueue<Buffer>();
    let stopped = false;
    const pump = async (): Promise<void> => {
      try {
        for await (const chunk of source) {
          if (stopped) continue; // keep reading: see drain()
          await this.send(this.kinds.body, { body: chunk.data, endOfStream: chunk.eos });
          sent.push(chunk.data);
        }
      } finally {
        sent.close();
      }
    };
    const reader = async (): Promise<void> => {
      for await (const data of sent) {
        const reply = await this.session.expect([this.kinds.body], `${this.kinds.body} chunk`);
        const common = reply?.[this.kinds.body]?.response;
        this.applyCommon(common, 'body');
        const out = reply ? this.mutatedBody(data, common) : data;
        if (out.length > 0) await this.io.emit(out);
      }
    };
    try {
      await Promise.all([pump(), reader()]);
    } finally {
      stopped = true;
    }
  }

  /** BUFFERED (whole body, 413/500 over the limit) and BUFFERED_PARTIAL (up to the limit). */
  private async buffered(source: AsyncGenerator<BodyChunk>, partial: boolean): Promise<void> {
    const { io } = this;
    const parts: Buffer[] = [];
    let size = 0;
    let eos = false;
    for (;;) {
      const next = await source.next();
      if (next.done) break;
      parts.push(next.value.data);
      size += next.value.data.length;
      eos = next.value.eos;
      if (size > io.bufferLimit) {
        if (!partial) io.overLimit();
        break;
      }
      if (eos) break;
    }
    const body = Buffer.concat(parts);
    await this.send(this.kinds.body, { body, endOfStream: eos });
    const reply = await this.session.expect([this.kinds.body], this.kinds.body);
    const common = reply?.[this.kinds.body]?.response;
    this.applyCommon(common, 'body');
    const out = reply ? this.mutatedBody(body, common) : body;
    if (reply && common?.bodyMutation?.mutation && !partial) this.checkContentLength(out.length);
    await this.headersFinal();
    if (out.length > 0) await io.emit(out);
    for await (const chunk of source) if (chunk.data.length > 0) await io.emit(chunk.data);
  }

  /**
   * FULL_DUPLEX_STREAMED: headers and body chunks go out without waiting; the processor
   * answers the headers (possibly after seeing the whole body) and then streams the new body
   * as `streamed_response` chunks until one has end_of_stream.
   */
  private async runFullDuplex(): Promise<void> {
    const { io, session } = this;
    let stopped = false;
    const leftovers: Buffer[] = [];
    const sendHeaders = io.modes().header === 'SEND';
    if (sendHeaders) {
      await this.send(this.kinds.headers, { headers: toHeaderMap(io.headers), endOfStream: !io.hasBody });
    }
    const pump = async (): Promise<void> => {
      if (!io.hasBody) return;
      for await (const chunk of bodyChunks(io.source, io.sourceLength)) {
        if (stopped) continue; // keep reading: see drain()
        if (session.disabled) leftovers.push(chunk.data);
        else await this.send(this.kinds.body, { body: chunk.data, endOfStream: chunk.eos });
      }
    };
    const reader = async (): Promise<void> => {
      if (sendHeaders) {
        const reply = await session.expect([this.kinds.headers], this.kinds.headers);
        if (!reply) {
          await this.headersFinal();
          return;
        }
        io.onHeadersReply(reply);
        this.applyCommon(reply[this.kinds.headers]?.response, 'headers');
      }
      this.removeContentLengthIfEnvoyDoes();
      await this.headersFinal();
      if (!io.hasBody) return;
      for (;;) {
        const bodyReply = await session.expect([this.kinds.body], `${this.kinds.body} (full duplex)`);
        if (!bodyReply) return;
        const common = bodyReply[this.kinds.body]?.response;
        this.applyCommon(common, 'body');
        const mutation = common?.bodyMutation;
        if (mutation?.mutation !== 'streamedResponse') {
          this.exchange.violation(`FULL_DUPLEX_STREAMED ${this.kinds.body} reply without streamed_response`);
          throw new LocalReply(500, 'ext_proc protocol error: full-duplex body reply without streamed_response');
        }
        const data = Buffer.from(mutation.streamedResponse?.body ?? Buffer.alloc(0));
        if (data.length > 0) await io.emit(data);
        if (mutation.streamedResponse?.endOfStream) return;
      }
    };
    try {
      await Promise.all([pump(), reader()]);
    } finally {
      stopped = true;
    }
    for (const data of leftovers) if (data.length > 0) await io.emit(data);
  }

  private async trailers(): Promise<void> {
    const trailers = this.io.sourceTrailers();
    if (trailers.length === 0) return;
    if (this.io.modes().trailer === 'SEND') {
      await this.send(this.kinds.trailers, { trailers: toHeaderMap(trailers) });
      const reply = await this.session.expect([this.kinds.trailers], this.kinds.trailers);
      const mutation = reply?.[this.kinds.trailers]?.headerMutation;
      const outcome = applyHeaderMutation(trailers, mutation, this.io.mutationRules);
      this.exchange.ignored.push(...outcome.rejected);
    }
    this.io.emitTrailers(trailers);
  }

  private async send(kind: PhaseKind, payload: object): Promise<void> {
    await this.session.send({ [kind]: payload, request: kind });
  }

  private async headersFinal(): Promise<void> {
    if (this.headersSent) return;
    this.headersSent = true;
    await this.io.headersFinal();
  }

  /** Applies header mutation and clear_route_cache where Envoy still can. */
  private applyCommon(common: CommonReply | undefined, phase: 'headers' | 'body'): void {
    if (!common) return;
    const mutation = common.headerMutation;
    const hasOps = (mutation?.setHeaders?.length ?? 0) + (mutation?.removeHeaders?.length ?? 0) > 0;
    if (this.headersSent) {
      if (hasOps) this.exchange.ignored.push(`${phase} reply header mutation after headers went on: ignored`);
      if (common.clearRouteCache) this.exchange.ignored.push(`${phase} reply clear_route_cache after headers went on: ignored`);
    } else {
      const outcome = applyHeaderMutation(this.io.headers, mutation, this.io.mutationRules);
      this.exchange.ignored.push(...outcome.rejected);
      if (common.clearRouteCache) {
        if (this.io.direction !== 'request') {
          this.exchange.ignored.push('clear_route_cache on the response path: ignored');
        } else if (!mutation) {
          this.exchange.ignored.push('clear_route_cache without header_mutation: ignored (as Envoy)');
        } else {
          this.io.clearRouteCache();
        }
      }
    }
    if (common.trailers?.headers?.length) this.exchange.ignored.push(`${phase} reply trailers: not implemented by Envoy, ignored`);
  }

  private mutatedBody(original: Buffer, common: CommonReply | undefined): Buffer {
    const mutation = common?.bodyMutation;
    switch (mutation?.mutation) {
      case 'body':
        return Buffer.from(mutation.body ?? Buffer.alloc(0));
      case 'clearBody':
        return mutation.clearBody ? Buffer.alloc(0) : original;
      case 'streamedResponse':
        this.exchange.violation(`streamed_response body mutation outside FULL_DUPLEX_STREAMED (${this.kinds.body})`);
        return original;
      default:
        return original;
    }
  }

  /** BUFFERED + a mutated body: the processor owns content-length; a mismatch is a local 500. */
  private checkContentLength(length: number): void {
    const declared = getHeader(this.io.headers, 'content-length');
    if (declared === undefined || Number(declared) === length) return;
    this.exchange.violation(
      `${this.io.direction} body replaced with ${length} bytes but content-length is ${declared}`,
    );
    throw new LocalReply(500, 'mismatch between content length and the length of the mutated body');
  }

  /** Envoy drops content-length where it cannot keep it right (STREAMED, PARTIAL, DUPLEX, BUFFERED without headers). */
  private removeContentLengthIfEnvoyDoes(): void {
    const { body, header } = this.io.configured;
    const drop =
      body === 'STREAMED' ||
      body === 'BUFFERED_PARTIAL' ||
      body === 'FULL_DUPLEX_STREAMED' ||
      (body === 'BUFFERED' && header === 'SKIP');
    if (drop && hasHeader(this.io.headers, 'content-length')) removeHeader(this.io.headers, 'content-length');
  }
}

async function* emptyChunks(): AsyncGenerator<BodyChunk> {}

/**
 * Reads a source to its end, dropping the bytes. Sources are always read to their end: leaving
 * a for-await early would destroy a client request mid-body, and with it the connection.
 */
async function drain(source: AsyncIterable<BodyChunk>): Promise<void> {
  for await (const chunk of source) void chunk;
}
