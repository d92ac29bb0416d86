/**
 * Hand-built HTTP/2 frames for tests that need exact control over what reaches the server in
 * one TCP write: a gRPC stream's HEADERS, its first DATA frame(s) and the client's RST_STREAM
 * in a single `socket.write`, the way a reset arriving on top of the first messages looks to
 * the server. node:http2's client cannot promise that (it schedules the RST after the data is
 * flushed). Flow control is honoured (frames of at most 16 KiB, connection and stream windows),
 * so a message larger than the windows goes out in several writes, the last of which carries
 * the reset. Header blocks use HPACK literals without indexing or Huffman coding.
 */
import { connect, type Socket } from 'node:net';
import * as protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS, PROTO_FILES } from '../../src/envoy/protos.js';
import type { OutboundMessage } from '../harness/wire.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const DATA = 0x0;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const PING = 0x6;
const GOAWAY = 0x7;
const WINDOW_UPDATE = 0x8;
const MAX_FRAME = 16_384;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
const END_HEADERS = 0x4;
const ACK = 0x1;
/** RST_STREAM error code CANCEL, what Envoy and gRPC clients send on a reset. */
export const H2_CANCEL = 0x8;

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head.writeUInt8(type, 3);
  head.writeUInt8(flags, 4);
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

function hpackInt(value: number, prefixBits: number, firstByte: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByte | value]);
  const out = [firstByte | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
}

function literal(name: string, value: string): Buffer {
  const n = Buffer.from(name, 'latin1');
  const v = Buffer.from(value, 'latin1');
  // 0000 0000: literal header field without indexing, new name.
  return Buffer.concat([Buffer.from([0]), hpackInt(n.length, 7, 0), n, hpackInt(v.length, 7, 0), v]);
}

function grpcRequestHeaders(authority: string): Buffer {
  return Buffer.concat([
    literal(':method', 'POST'),
    literal(':scheme', 'http'),
    literal(':path', '/envoy.service.ext_proc.v3.ExternalProcessor/Process'),
    literal(':authority', authority),
    literal('content-type', 'application/grpc'),
    literal('te', 'trailers'),
  ]);
}

let serialize: ((msg: OutboundMessage) => Buffer) | undefined;

/** A gRPC length-prefixed message: 1 byte compressed flag, 4 bytes length, the protobuf bytes. */
export function grpcFrame(msg: OutboundMessage): Buffer {
  if (!serialize) {
    const def = protoLoader.loadSync([...PROTO_FILES], LOADER_OPTIONS)['envoy.service.ext_proc.v3.ExternalProcessor'] as unknown as {
      Process: { requestSerialize: (m: OutboundMessage) => Buffer };
    };
    serialize = def.Process.requestSerialize;
  }
  const body = serialize(msg);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

/** A raw HTTP/2 connection: answers SETTINGS and PING, ignores everything else the server sends. */
export class RawH2Connection {
  private nextStream = 1;
  private pending = Buffer.alloc(0);
  /** Connection-level send window (HTTP/2 flow control). */
  private window = 65_535;
  /** The server's initial stream window. */
  private initialStreamWindow = 65_535;
  private readonly streamWindows = new Map<number, number>();
  private windowWaiters: Array<() => void> = [];

  private constructor(
    private readonly socket: Socket,
    private readonly authority: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', () => undefined); // the server may close after GOAWAY; the test asserts on the server side
    // A stream waiting for flow-control window must not wait for ever on a closed connection.
    socket.on('close', () => {
      for (const w of this.windowWaiters.splice(0)) w();
    });
  }

  /** Connects to `host:port` and sends the preface and an empty SETTINGS frame. */
  static async open(target: string): Promise<RawH2Connection> {
    const [host, port] = splitTarget(target);
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0, Buffer.alloc(0))]));
    return new RawH2Connection(socket, target);
  }

  /**
   * Opens a stream, sends `messages` and resets it (RST_STREAM CANCEL). The reset goes out in
   * the same write as the last DATA frame; when the messages fit the flow-control windows that
   * is one write with the HEADERS too. Resolves once the reset is handed to the kernel.
   */
  async sendThenReset(messages: readonly OutboundMessage[]): Promise<void> {
    const id = this.nextStream;
    this.nextStream += 2;
    this.streamWindows.set(id, this.initialStreamWindow);
    const data = Buffer.concat(messages.map(grpcFrame));
    const parts = [frame(HEADERS, END_HEADERS, id, grpcRequestHeaders(this.authority))];
    let offset = 0;
    for (;;) {
      const budget = Math.min(data.length - offset, this.window, this.streamWindows.get(id)!);
      for (let end = offset + budget; offset < end; offset = Math.min(end, offset + MAX_FRAME)) parts.push(frame(DATA, 0, id, data.subarray(offset, Math.min(end, offset + MAX_FRAME))));
      this.window -= budget;
      this.streamWindows.set(id, this.streamWindows.get(id)! - budget);
      if (offset >= data.length) break;
      await this.write(parts.splice(0));
      await new Promise<void>((resolve) => this.windowWaiters.push(resolve));
      if (this.socket.destroyed) throw new Error('connection closed while waiting for flow-control window');
    }
    parts.push(frame(RST_STREAM, 0, id, Buffer.from([0, 0, 0, H2_CANCEL])));
    this.streamWindows.delete(id);
    await this.write(parts);
  }

  /** {@link sendThenReset} on `count` streams at once. */
  async openAndReset(count: number, messages: readonly OutboundMessage[]): Promise<void> {
    await Promise.all(Array.from({ length: count }, () => this.sendThenReset(messages)));
  }

  private write(parts: Buffer[]): Promise<void> {
    if (parts.length === 0) return Promise.resolve();
    if (this.socket.destroyed || this.socket.writableEnded) return Promise.reject(new Error('connection closed'));
    return new Promise<void>((resolve, reject) => this.socket.write(Buffer.concat(parts), (err) => (err ? reject(err) : resolve())));
  }

  /**
   * Sends GOAWAY and closes the socket. Its last-stream-id is 0: it names the last stream the
   * sender accepted from its peer, and a client accepts none (an odd, client-opened id there is
   * a connection error the server reports as a session error).
   */
  close(): void {
    if (this.socket.destroyed) return;
    this.socket.end(frame(GOAWAY, 0, 0, Buffer.alloc(8)));
  }

  private read(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 9) {
      const length = this.pending.readUIntBE(0, 3);
      if (this.pending.length < 9 + length) return;
      const type = this.pending.readUInt8(3);
      const flags = this.pending.readUInt8(4);
      const streamId = this.pending.readUInt32BE(5) & 0x7fffffff;
      const payload = this.pending.subarray(9, 9 + length);
      this.pending = this.pending.subarray(9 + length);
      if (this.socket.destroyed) return;
      if (type === SETTINGS && !(flags & ACK)) {
        for (let i = 0; i + 6 <= payload.length; i += 6) {
          if (payload.readUInt16BE(i) !== SETTINGS_INITIAL_WINDOW_SIZE) continue;
          const next = payload.readUInt32BE(i + 2);
          for (const [id, w] of this.streamWindows) this.streamWindows.set(id, w + next - this.initialStreamWindow);
          this.initialStreamWindow = next;
        }
        this.socket.write(frame(SETTINGS, ACK, 0, Buffer.alloc(0)));
      } else if (type === WINDOW_UPDATE) {
        const increment = payload.readUInt32BE(0) & 0x7fffffff;
        if (streamId === 0) this.window += increment;
        else if (this.streamWindows.has(streamId)) this.streamWindows.set(streamId, this.streamWindows.get(streamId)! + increment);
        for (const w of this.windowWaiters.splice(0)) w();
      }
      if (type === PING && !(flags & ACK)) this.socket.write(frame(PING, ACK, 0, Buffer.from(payload)));
    }
  }
}

function splitTarget(target: string): [string, number] {
  const i = target.lastIndexOf(':');
  return [target.slice(0, i).replace(/^\[|\]$/g, ''), Number(target.slice(i + 1))];
}
