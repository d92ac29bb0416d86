/**
 * Writes the response to the HTTP client the way Envoy's HTTP/1 codec frames it: the head
 * once, body chunks as they come (flushed), and a declared content-length held to: bytes past
 * it are cut, a body that ends short resets the connection. Both are violations.
 */
import type { ServerResponse } from 'node:http';
import type { Exchange } from './exchange.js';
import { getHeader, toNodeHeaders } from './headers.js';
import type { HeaderList } from './wire.js';

/** The client side of one exchange. */
export class ClientWriter {
  private declared: number | undefined;
  private written = 0;
  private readonly parts: Buffer[] = [];
  private trailers: HeaderList = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly exchange: Exchange,
  ) {}

  /** Whether the head went out already (a local reply is then impossible). */
  get headSent(): boolean {
    return this.res.headersSent;
  }

  /** Writes the head from a header list carrying `:status`. */
  writeHead(headers: HeaderList): void {
    if (this.res.headersSent) return;
    const status = Number(getHeader(headers, ':status') ?? '200');
    const valid = Number.isInteger(status) && status >= 200 && status <= 599;
    if (!valid) this.exchange.violation(`invalid :status ${getHeader(headers, ':status') ?? '(none)'}`);
    const finalStatus = valid ? status : 500;
    const length = getHeader(headers, 'content-length');
    this.declared = length === undefined ? undefined : Number(length);
    this.exchange.status = finalStatus;
    this.exchange.responseHeaders = headers.map(([n, v]) => [n, v]);
    this.res.writeHead(finalStatus, toNodeHeaders(headers));
    this.res.flushHeaders();
  }

  /** Writes body bytes (cut at a declared content-length), waiting for the client to drain. */
  async write(chunk: Buffer): Promise<void> {
    if (!this.writeNow(chunk)) await new Promise<void>((resolve) => this.res.once('drain', resolve));
  }

  private writeNow(chunk: Buffer): boolean {
    let data = chunk;
    if (this.declared !== undefined && this.written + data.length > this.declared) {
      this.exchange.violation(
        `response body longer than its content-length ${this.declared}: cut (Envoy truncates)`,
      );
      data = data.subarray(0, Math.max(0, this.declared - this.written));
    }
    if (data.length === 0 || this.res.destroyed) return true;
    this.written += data.length;
    this.parts.push(data);
    return this.res.write(data);
  }

  /** Trailers to send at the end (chunked responses only). */
  setTrailers(trailers: HeaderList): void {
    this.trailers = trailers;
  }

  /** Ends the response; a body short of its content-length resets the connection. */
  end(): void {
    this.exchange.responseBody = Buffer.concat(this.parts);
    if (this.declared !== undefined && this.written < this.declared) {
      this.exchange.violation(`response body ended at ${this.written} of content-length ${this.declared}: reset`);
      this.res.destroy();
      return;
    }
    if (this.trailers.length > 0 && this.declared === undefined) this.res.addTrailers(toNodeHeaders(this.trailers));
    this.res.end();
  }

  /** Sends a whole reply made here (local reply / immediate response), or resets if too late. */
  local(status: number, headers: HeaderList, body: Buffer): void {
    if (this.res.headersSent) {
      this.res.destroy();
      return;
    }
    const all: HeaderList = [[':status', String(status)], ...headers.filter(([n]) => n !== 'content-length')];
    all.push(['content-length', String(body.length)]);
    if (body.length > 0 && getHeader(all, 'content-type') === undefined) all.push(['content-type', 'text/plain']);
    this.writeHead(all);
    this.writeNow(body);
    this.end();
  }

  /** Resets the client connection (Envoy resets a stream it cannot answer any more). */
  reset(): void {
    this.exchange.responseBody = Buffer.concat(this.parts);
    this.res.destroy();
  }
}
