/**
 * The harness's router: sends the (processed) request to the chosen upstream over HTTP/1.1 and
 * hands back the upstream's response as a stream, as Envoy's router filter does.
 */
import * as http from 'node:http';
import { getHeader, HOP_BY_HOP, fromRawHeaders, toNodeHeaders } from './headers.js';
import type { HeaderList } from './wire.js';

/** An upstream's response, ready for the response path. */
export interface UpstreamResponse {
  readonly status: number;
  /** Response headers without hop-by-hop ones, lower-case. */
  readonly headers: HeaderList;
  /** Body bytes as they arrive. */
  readonly body: AsyncIterable<Buffer>;
  /** Trailers, once the body has been read. */
  readonly trailers: () => HeaderList;
  /** Drops the response (after a local reply). */
  readonly discard: () => void;
}

/** Sends a request; rejects when the upstream cannot be reached. */
export function sendUpstream(
  agent: http.Agent,
  baseUrl: string,
  headers: HeaderList,
  body: Buffer,
): Promise<UpstreamResponse> {
  const path = getHeader(headers, ':path') ?? '/';
  const url = new URL(path, baseUrl);
  const outgoing = toNodeHeaders(headers.filter(([name]) => !HOP_BY_HOP.has(name) && name !== 'host'));
  outgoing.host = getHeader(headers, ':authority') ?? url.host;
  // No content-length: frame chunked, as Envoy's HTTP/1 codec does (Node would add a length).
  if (getHeader(headers, 'content-length') === undefined && body.length > 0) outgoing['transfer-encoding'] = 'chunked';
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: getHeader(headers, ':method') ?? 'GET', headers: outgoing, agent },
      (res) => {
        resolve({
          status: res.statusCode ?? 502,
          headers: fromRawHeaders(res.rawHeaders).filter(([name]) => !HOP_BY_HOP.has(name)),
          body: res,
          trailers: () => fromRawHeaders(res.rawTrailers),
          discard: () => res.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A response made by the harness itself (no route, upstream unreachable), sent through the filter like Envoy's. */
export function syntheticResponse(status: number, contentType: string, text: string): UpstreamResponse {
  const body = Buffer.from(text);
  return {
    status,
    headers: [
      ['content-type', contentType],
      ['content-length', String(body.length)],
    ],
    body: (async function* () {
      yield body;
    })(),
    trailers: () => [],
    discard: () => undefined,
  };
}
