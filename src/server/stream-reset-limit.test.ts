import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { setStreamResetLimit } from './stream-reset-limit.js';

describe('setStreamResetLimit', () => {
  it('gives both of Node’s reset options to the HTTP/2 server grpc-js will create', () => {
    const server = new grpc.Server();
    setStreamResetLimit(server, { burst: 1234, perSecond: 56 });
    // What grpc-js hands to http2.createServer (the limit reaching a connection is
    // test/integration/stream-reset-limit.test.ts).
    expect((server as unknown as { commonServerOptions: object }).commonServerOptions).toMatchObject({ streamResetBurst: 1234, streamResetRate: 56 });
  });

  it('refuses to start quietly with Node’s default when grpc-js keeps its options elsewhere', () => {
    expect(() => setStreamResetLimit({} as grpc.Server, { burst: 1, perSecond: 1 })).toThrow(/cannot be applied/);
  });
});
