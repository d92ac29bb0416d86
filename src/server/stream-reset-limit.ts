/**
 * The gRPC listener's limit on stream resets. HTTP/2 servers on nghttp2 (Node's among them)
 * count the RST_STREAM frames each connection sends in a token bucket — Node's default: 1,000
 * at once, refilled at 33 a second — and when it runs dry close the connection with
 * GOAWAY(INTERNAL_ERROR), which fails every request in flight on it. That defends against
 * rapid-reset floods, but Envoy's ext_proc filter resets every stream as it ends (unless its
 * `ext_proc_graceful_grpc_close` runtime guard is on) and carries all its ext_proc streams on a
 * few connections, so one connection past 33 requests a second would be torn down about every
 * 1,000 / (rate − 33) seconds.
 *
 * grpc-js builds its HTTP/2 server from options it keeps on the `Server` (`commonServerOptions`)
 * and has no channel option for this limit, so the limit is set there, before the server binds.
 * Should a grpc-js release keep its options elsewhere, {@link setStreamResetLimit} throws rather
 * than let the service start with Node's default; test/integration/stream-reset-limit.test.ts
 * checks the limit reaches the connection.
 */
import type { ServerOptions as Http2ServerOptions } from 'node:http2';
import type { Server } from '@grpc/grpc-js';

/** The token bucket of RST_STREAM frames per connection. */
export interface StreamResetLimit {
  /** Resets a connection may send at once (the bucket's size). */
  readonly burst: number;
  /** Resets added back to the bucket each second. */
  readonly perSecond: number;
}

/** Sets the limit of every HTTP/2 server `server` creates from now on; call it before `bindAsync`. */
export function setStreamResetLimit(server: Server, limit: StreamResetLimit): void {
  const options = (server as unknown as { commonServerOptions?: Http2ServerOptions }).commonServerOptions;
  if (typeof options !== 'object' || options === null) {
    throw new Error('this @grpc/grpc-js keeps no HTTP/2 server options on its Server: the stream reset limit (grpc.streamResetBurst) cannot be applied');
  }
  // Node applies the limit only when both are given.
  options.streamResetBurst = limit.burst;
  options.streamResetRate = limit.perSecond;
}
