import { describe, expect, it } from 'vitest';
import { grpcBindTarget, parseAddress } from './address.js';

describe('parseAddress', () => {
  it.each([
    ['0.0.0.0:50051', { kind: 'tcp', host: '0.0.0.0', port: 50051 }],
    ['localhost:0', { kind: 'tcp', host: 'localhost', port: 0 }],
    [':9464', { kind: 'tcp', host: '0.0.0.0', port: 9464 }],
    ['[::1]:50051', { kind: 'tcp', host: '::1', port: 50051 }],
    ['[::]:80', { kind: 'tcp', host: '::', port: 80 }],
    ['unix:/var/run/ext_proc.sock', { kind: 'unix', path: '/var/run/ext_proc.sock' }],
    ['unix:///var/run/ext_proc.sock', { kind: 'unix', path: '/var/run/ext_proc.sock' }],
    ['unix:relative.sock', { kind: 'unix', path: 'relative.sock' }],
  ])('%s', (text, want) => {
    expect(parseAddress(text)).toEqual(want);
  });

  it.each([
    ['', /expected host:port/],
    ['50051', /expected host:port/],
    ['host:', /expected host:port/],
    ['host:abc', /expected host:port/],
    ['::1:50051', /expected host:port/], // IPv6 needs brackets
    ['[::1]', /expected host:port/],
    ['host:65536', /port out of range/],
    ['host:-1', /expected host:port/],
    ['unix:', /unix socket path is empty/],
  ])('rejects %j clearly', (text, message) => {
    expect(() => parseAddress(text)).toThrow(message);
    expect(() => parseAddress(text)).toThrow(`invalid address ${JSON.stringify(text)}`);
  });
});

describe('grpcBindTarget', () => {
  it('formats tcp, IPv6 and unix addresses for grpc-js', () => {
    expect(grpcBindTarget(parseAddress('127.0.0.1:0'))).toBe('127.0.0.1:0');
    expect(grpcBindTarget(parseAddress('[::1]:50051'))).toBe('[::1]:50051');
    expect(grpcBindTarget(parseAddress('unix:///tmp/x.sock'))).toBe('unix:/tmp/x.sock');
  });
});
