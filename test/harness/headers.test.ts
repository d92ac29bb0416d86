import { describe, expect, it } from 'vitest';
import { applyHeaderMutation, fromRawHeaders, toNodeHeaders } from './headers.js';
import type { HeaderList } from './wire.js';

const set = (key: string, value: string, extra: Record<string, unknown> = {}) => ({
  header: { key, rawValue: Buffer.from(value) },
  ...extra,
});

describe('applyHeaderMutation', () => {
  it('honours each append_action', () => {
    const headers: HeaderList = [
      ['a', '1'],
      ['b', '1'],
      ['c', '1'],
    ];
    const outcome = applyHeaderMutation(headers, {
      setHeaders: [
        set('a', '2', { appendAction: 'APPEND_IF_EXISTS_OR_ADD' }),
        set('b', '2', { appendAction: 'ADD_IF_ABSENT' }),
        set('d', '2', { appendAction: 'ADD_IF_ABSENT' }),
        set('c', '2', { appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }),
        set('e', '2', { appendAction: 'OVERWRITE_IF_EXISTS' }),
        set('f', '2', { appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }),
      ],
    });
    expect(outcome).toEqual({ changed: true, rejected: [] });
    expect(headers).toEqual([
      ['a', '1'],
      ['b', '1'],
      ['c', '2'],
      ['a', '2'],
      ['d', '2'],
      ['f', '2'],
    ]);
  });

  it('defaults to append, and lets the legacy append flag decide when present', () => {
    const headers: HeaderList = [
      ['x', '1'],
      ['y', '1'],
    ];
    applyHeaderMutation(headers, {
      setHeaders: [set('x', '2'), set('y', '2', { append: { value: false } })],
    });
    expect(headers).toEqual([
      ['x', '1'],
      ['y', '2'],
      ['x', '2'],
    ]);
  });

  it('takes value when raw_value is empty, lower-cases names, removes before setting', () => {
    const headers: HeaderList = [['x-old', 'v']];
    applyHeaderMutation(headers, {
      removeHeaders: ['X-Old'],
      setHeaders: [{ header: { key: 'X-New', value: 'text' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
    });
    expect(headers).toEqual([['x-new', 'text']]);
  });

  it('rejects what Envoy rejects by default and reports it', () => {
    const headers: HeaderList = [
      [':path', '/a'],
      [':authority', 'h'],
      ['x-envoy-foo', '1'],
    ];
    const outcome = applyHeaderMutation(headers, {
      removeHeaders: [':path', 'host', 'x-envoy-foo'],
      setHeaders: [
        set(':authority', 'evil'),
        set(':path', '/b'),
        set('x-bad', 'a\r\nb'),
        set('x-empty', ''),
        set('x-both', 'v', { append: { value: true }, appendAction: 'ADD_IF_ABSENT' }),
      ],
    });
    expect(headers).toEqual([
      [':path', '/b'],
      [':authority', 'h'],
      ['x-envoy-foo', '1'],
    ]);
    expect(outcome.rejected).toHaveLength(7);
  });
});

describe('header list conversions', () => {
  it('keeps duplicates from raw headers and joins them back as arrays, without pseudo-headers', () => {
    const list = fromRawHeaders(['Accept', 'a', 'X-Dup', '1', 'x-dup', '2']);
    expect(list).toEqual([
      ['accept', 'a'],
      ['x-dup', '1'],
      ['x-dup', '2'],
    ]);
    expect(toNodeHeaders([[':status', '200'], ...list])).toEqual({ accept: 'a', 'x-dup': ['1', '2'] });
  });

  it('lets x-envoy-* headers change only with allow_envoy', () => {
    const headers: Array<[string, string]> = [[':status', '429']];
    const mutation = { setHeaders: [{ header: { key: 'x-envoy-ratelimited', rawValue: Buffer.from('true') }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' as const }] };
    expect(applyHeaderMutation(headers, mutation).rejected).toEqual(['set x-envoy-ratelimited']);
    expect(applyHeaderMutation(headers, mutation, { allowEnvoy: true }).rejected).toEqual([]);
    expect(headers).toContainEqual(['x-envoy-ratelimited', 'true']);
  });
});
