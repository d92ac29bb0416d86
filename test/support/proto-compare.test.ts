import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { compareProtoRoots, declaredTypes, type AllowlistEntry } from './proto-compare.js';

/** A tiny "upstream": one message with a oneof, a map, a repeated field, a nested enum, a service. */
const UPSTREAM = `
syntax = "proto3";
package demo.v1;
message Header { string key = 1; bytes raw_value = 3; }
message Request {
  enum Mode { NONE = 0; STREAMED = 1; }
  oneof phase { Header headers = 2; bytes body = 4; }
  map<string, string> attributes = 9;
  repeated Header extra = 5;
  Mode mode = 6;
  optional bool flag = 7;
  repeated Mode modes = 8;
}
service Processor { rpc Process(stream Request) returns (stream Header); }
`;

function parse(source: string): protobuf.Root {
  const root = protobuf.parse(source, new protobuf.Root(), { keepCase: true }).root;
  root.resolveAll();
  return root;
}

/** Ours = upstream with one textual change applied (the change must exist). */
function oursWith(from: string, to: string): protobuf.Root {
  expect(UPSTREAM).toContain(from);
  return parse(UPSTREAM.replace(from, to));
}

describe('compareProtoRoots', () => {
  const upstream = parse(UPSTREAM);

  it('finds no problem when both sides are identical', () => {
    expect(compareProtoRoots(parse(UPSTREAM), upstream, [])).toEqual([]);
  });

  it('walks nested enums and services, and skips google.*', () => {
    const names = declaredTypes(parse(UPSTREAM)).map((t) => t.fullName);
    expect(names).toEqual(['.demo.v1.Header', '.demo.v1.Request', '.demo.v1.Request.Mode', '.demo.v1.Processor']);
    const withGoogle = parse('syntax = "proto3"; package google.protobuf; message Shadow { string x = 1; }');
    expect(compareProtoRoots(withGoogle, upstream, [])).toEqual([]);
  });

  it('reports a wrong field number', () => {
    expect(compareProtoRoots(oursWith('bytes raw_value = 3', 'bytes raw_value = 4'), upstream, [])).toEqual([
      'demo.v1.Header.raw_value: number is 4, upstream has 3',
    ]);
  });

  it('reports a wrong scalar type and a wrong message type', () => {
    expect(compareProtoRoots(oursWith('bytes raw_value = 3', 'string raw_value = 3'), upstream, [])).toEqual([
      'demo.v1.Header.raw_value: type is string, upstream has bytes',
    ]);
    expect(compareProtoRoots(oursWith('repeated Header extra = 5', 'repeated Request extra = 5'), upstream, [])).toEqual([
      'demo.v1.Request.extra: type is demo.v1.Request, upstream has demo.v1.Header',
    ]);
  });

  it('reports wrong labels: repeated, map key type, proto3 optional', () => {
    expect(compareProtoRoots(oursWith('repeated Header extra = 5', 'Header extra = 5'), upstream, [])).toEqual([
      'demo.v1.Request.extra: label is singular, upstream has repeated',
    ]);
    expect(
      compareProtoRoots(oursWith('map<string, string> attributes = 9', 'map<int32, string> attributes = 9'), upstream, []),
    ).toEqual(['demo.v1.Request.attributes: label is map<int32>, upstream has map<string>']);
    expect(compareProtoRoots(oursWith('optional bool flag = 7', 'bool flag = 7'), upstream, [])).toEqual([
      'demo.v1.Request.flag: label is singular, upstream has optional (proto3)',
      'demo.v1.Request.flag: oneof is -, upstream has _flag',
    ]);
    expect(compareProtoRoots(oursWith('repeated Mode modes = 8;', 'repeated Mode modes = 8 [packed = false];'), upstream, [])).toEqual([
      'demo.v1.Request.modes: label is repeated, upstream has repeated (packed)',
    ]);
  });

  it('reports a field moved out of its oneof', () => {
    const ours = oursWith('oneof phase { Header headers = 2; bytes body = 4; }', 'oneof phase { Header headers = 2; } bytes body = 4;');
    expect(compareProtoRoots(ours, upstream, [])).toEqual(['demo.v1.Request.body: oneof is -, upstream has phase']);
  });

  it('reports wrong and missing enum values, and a changed method shape', () => {
    expect(compareProtoRoots(oursWith('STREAMED = 1;', 'STREAMED = 2;'), upstream, [])).toEqual([
      'demo.v1.Request.Mode.STREAMED: value is 2, upstream has 1',
    ]);
    expect(compareProtoRoots(oursWith(' STREAMED = 1;', ''), upstream, [])).toEqual([
      'demo.v1.Request.Mode.STREAMED = 1: upstream value missing from ours',
    ]);
    expect(compareProtoRoots(oursWith('returns (stream Header)', 'returns (Header)'), upstream, [])).toEqual([
      'demo.v1.Processor.Process: (stream demo.v1.Request) returns (demo.v1.Header), upstream (stream demo.v1.Request) returns (stream demo.v1.Header)',
    ]);
  });

  it('reports a renamed field by the number upstream gives it', () => {
    expect(compareProtoRoots(oursWith('string key = 1', 'string name = 1'), upstream, [])).toEqual([
      'demo.v1.Header.name = 1: upstream calls number 1 "key"',
      'demo.v1.Header.key = 1: upstream field missing from ours',
    ]);
  });

  describe('things upstream does not have yet', () => {
    const newer = oursWith(
      'repeated Mode modes = 8;',
      'repeated Mode modes = 8; Config config = 11; } message Config { bool fast = 1; } message Unused {',
    );
    const allowlist: AllowlistEntry[] = [
      { kind: 'field', fullName: 'demo.v1.Request.config', id: 11, since: 'test' },
      { kind: 'message', fullName: 'demo.v1.Config', fields: { fast: 1 }, since: 'test' },
    ];

    it('requires an allowlist entry for each', () => {
      expect(compareProtoRoots(newer, upstream, [])).toEqual([
        'demo.v1.Request.config = 11: not upstream and not on the allowlist',
        'demo.v1.Config: message not upstream and not on the allowlist',
        'demo.v1.Unused: message not upstream and not on the allowlist',
      ]);
    });

    it('accepts exact allowlist entries and flags wrong numbers in them', () => {
      const unused: AllowlistEntry = { kind: 'message', fullName: 'demo.v1.Unused', fields: {}, since: 'test' };
      expect(compareProtoRoots(newer, upstream, [...allowlist, unused])).toEqual([]);
      const wrong: AllowlistEntry[] = [
        { kind: 'field', fullName: 'demo.v1.Request.config', id: 12, oneof: 'phase', since: 'test' },
        { kind: 'message', fullName: 'demo.v1.Config', fields: { fast: 2 }, since: 'test' },
        unused,
      ];
      expect(compareProtoRoots(newer, upstream, wrong)).toEqual([
        'demo.v1.Request.config: number is 11, allowlist says 12',
        'demo.v1.Request.config: oneof is -, allowlist says phase',
        'demo.v1.Config: fields are [["fast",1]], allowlist says [["fast",2]]',
      ]);
    });

    it('checks new enum values against the allowlist', () => {
      const ours = oursWith('STREAMED = 1;', 'STREAMED = 1; DUPLEX = 4;');
      expect(compareProtoRoots(ours, upstream, [])).toEqual([
        'demo.v1.Request.Mode.DUPLEX = 4: not upstream and not on the allowlist',
      ]);
      const entry = (value: number): AllowlistEntry => ({ kind: 'enumValue', fullName: 'demo.v1.Request.Mode.DUPLEX', value, since: 'test' });
      expect(compareProtoRoots(ours, upstream, [entry(4)])).toEqual([]);
      expect(compareProtoRoots(ours, upstream, [entry(5)])).toEqual(['demo.v1.Request.Mode.DUPLEX: value is 4, allowlist says 5']);
    });

    it('rejects a new field that reuses a number upstream already has', () => {
      const ours = oursWith('repeated Header extra = 5;', 'bool fresh = 5;');
      const entry: AllowlistEntry = { kind: 'field', fullName: 'demo.v1.Request.fresh', id: 5, since: 'test' };
      expect(compareProtoRoots(ours, upstream, [entry])).toEqual([
        'demo.v1.Request.fresh = 5: upstream already uses that number for "extra"',
        'demo.v1.Request.extra = 5: upstream field missing from ours',
      ]);
    });

    it('reports allowlist entries that matched nothing', () => {
      expect(compareProtoRoots(parse(UPSTREAM), upstream, allowlist)).toEqual([
        'allowlist entry field demo.v1.Request.config matched nothing (now upstream, or gone from ours)',
        'allowlist entry message demo.v1.Config matched nothing (now upstream, or gone from ours)',
      ]);
    });
  });
});
