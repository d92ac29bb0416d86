/**
 * A plain HTTP/1.1 client for harness tests: sends a body in the chunks given (so tests control
 * how a body arrives) and hands back the response with its chunks as they came.
 */
import * as http from 'node:http';

/** A response read to its end. */
export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly chunks: readonly Buffer[];
  /** Body as text. */
  text(): string;
}

/** Request settings. */
export interface RawRequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** Body chunks, written one by one (chunked unless a content-length header is given). */
  readonly chunks?: readonly (string | Buffer)[];
  /** Called with every response chunk as it arrives (before the next is read). */
  readonly onChunk?: (chunk: Buffer) => void;
}

/** Sends one request and reads the whole response. */
export function rawRequest(url: string, options: RawRequestOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        options.onChunk?.(chunk);
      });
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, chunks, text: () => body.toString('utf8') });
      });
    });
    req.on('error', reject);
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end();
  });
}
