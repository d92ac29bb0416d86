import { describe, expect, it } from 'vitest';
import { originMatches, originPolicyOf, refuseOrigin } from './cors-origin.js';

describe('originMatches', () => {
  it('matches exact origins case-insensitively, * and *.host suffixes with the scheme', () => {
    expect(originMatches('https://app.example.com', ['https://app.example.com'])).toBe(true);
    expect(originMatches('HTTPS://App.Example.com', ['https://app.example.com'])).toBe(true);
    expect(originMatches('https://evil.com', ['*'])).toBe(true);
    expect(originMatches('https://a.b.example.com', ['https://*.example.com'])).toBe(true);
  });

  it('refuses look-alikes', () => {
    expect(originMatches('https://app.example.com.evil.com', ['https://app.example.com'])).toBe(false);
    expect(originMatches('https://example.com', ['https://*.example.com'])).toBe(false);
    expect(originMatches('https://evilexample.com', ['https://*.example.com'])).toBe(false);
    expect(originMatches('http://a.example.com', ['https://*.example.com'])).toBe(false);
    expect(originMatches('https://a.example.com', [])).toBe(false);
  });
});

describe('refuseOrigin', () => {
  const policy = { allowOrigins: ['https://app.example.com'], allowMethods: ['POST'] };

  it('lets requests without Origin (not from a browser) and allowed ones through', () => {
    expect(refuseOrigin({ ':method': 'POST' }, policy)).toBeUndefined();
    expect(refuseOrigin({ ':method': 'POST', origin: 'https://app.example.com' }, policy)).toBeUndefined();
    expect(refuseOrigin({ ':method': 'POST', origin: 'https://other.com' }, undefined)).toBeUndefined();
  });

  it('refuses another origin, or a method the rule does not allow, with 403', () => {
    expect(refuseOrigin({ ':method': 'POST', origin: 'https://other.com' }, policy)).toMatchObject({ status: 403, code: 'origin_not_allowed' });
    expect(refuseOrigin({ ':method': 'DELETE', origin: 'https://app.example.com' }, policy)).toMatchObject({ status: 403 });
  });
});

describe('originPolicyOf', () => {
  const global = { allowOrigins: ['https://app.example.com'], allowMethods: ['GET', 'POST', 'OPTIONS'] };
  it('takes the rule’s own origins, else the global ones, else none', () => {
    expect(originPolicyOf({ cors: global }, { cors: { allowOrigins: ['https://x.example'] } })).toEqual({ allowOrigins: ['https://x.example'], allowMethods: global.allowMethods });
    expect(originPolicyOf({ cors: global }, { cors: { allowOrigins: ['https://x.example'], allowMethods: ['POST'] } })?.allowMethods).toEqual(['POST']);
    expect(originPolicyOf({ cors: global }, {})).toEqual(global);
    expect(originPolicyOf({}, {})).toBeUndefined();
    expect(originPolicyOf({}, { cors: { allowOrigins: ['https://x.example'] } })).toEqual({ allowOrigins: ['https://x.example'], allowMethods: [] });
  });
});
