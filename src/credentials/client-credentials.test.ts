import { describe, expect, it } from 'vitest';
import { presentCredentialHeaders, queryKey, withoutQueryKey } from './client-credentials.js';

describe('query key', () => {
  it('reads and removes every key parameter, keeping the others byte for byte', () => {
    expect(queryKey('/v1beta/models/g:streamGenerateContent?alt=sse&key=abc')).toBe('abc');
    expect(queryKey('/v1/x')).toBeUndefined();
    expect(withoutQueryKey('/m:gen?alt=sse&key=abc&x=%2F')).toBe('/m:gen?alt=sse&x=%2F');
    expect(withoutQueryKey('/m:gen?key=abc')).toBe('/m:gen');
    expect(withoutQueryKey('/m:gen?k%65y=abc&key=d')).toBe('/m:gen');
    expect(withoutQueryKey('/m:gen?keys=1&monkey=2')).toBe('/m:gen?keys=1&monkey=2');
    expect(withoutQueryKey('/m:gen?%E0%A4%A=1&key=2')).toBe('/m:gen?%E0%A4%A=1');
    expect(withoutQueryKey('/plain')).toBe('/plain');
  });

  it('lists the credential headers present', () => {
    expect(presentCredentialHeaders({ authorization: 'x', 'x-goog-api-key': 'y', other: 'z' })).toEqual(['authorization', 'x-goog-api-key']);
  });
});
