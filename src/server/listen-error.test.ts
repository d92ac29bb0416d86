import { describe, expect, it } from 'vitest';
import { ListenError, listenErrorOf } from './listen-error.js';

describe('listenErrorOf', () => {
  it('names the listener, the address, the config key, the flag and the variable for a port in use (Node error)', () => {
    const err = listenErrorOf('admin', '0.0.0.0:9464', Object.assign(new Error('listen EADDRINUSE: address already in use 0.0.0.0:9464'), { code: 'EADDRINUSE' }));
    expect(err).toBeInstanceOf(ListenError);
    expect(err.code).toBe('EADDRINUSE');
    expect(err.message).toBe(
      'admin HTTP listener cannot bind 0.0.0.0:9464: the address is already in use (another llm-extproc, or another program, is listening there). ' +
        'Change admin.address in the config, or pass --admin-address (env LLM_EXTPROC_ADMIN_ADDRESS)',
    );
  });

  it('reads the code out of the message grpc-js wraps it in', () => {
    const err = listenErrorOf('grpc', '0.0.0.0:50051', new Error('No address added out of total 1 resolved errors: [listen EADDRINUSE: address already in use 0.0.0.0:50051]'));
    expect(err.code).toBe('EADDRINUSE');
    expect(err.message).toMatch(/^gRPC \(ext_proc\) listener cannot bind 0\.0\.0\.0:50051: the address is already in use .*Change grpc\.address in the config, or pass --grpc-address \(env LLM_EXTPROC_GRPC_ADDRESS\)$/);
  });

  it('keeps the reason of an error it has no words for', () => {
    const err = listenErrorOf('grpc', 'unix:/nope/x.sock', new Error('No address added out of total 1 resolved errors: [listen ENOENT: no such file or directory /nope/x.sock]'));
    expect(err.code).toBeUndefined();
    expect(err.message).toContain('cannot bind unix:/nope/x.sock: listen ENOENT: no such file or directory /nope/x.sock. Change grpc.address');
  });
});
