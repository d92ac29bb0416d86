import { describe, expect, it } from 'vitest';
import { presentedKey } from './presented-key.js';

describe('presentedKey', () => {
  it('reads each SDK’s own place', () => {
    expect(presentedKey({ authorization: 'Bearer gk-1' }, '/v1/chat/completions', 'openai')).toBe('gk-1');
    expect(presentedKey({ 'x-api-key': 'gk-2' }, '/v1/messages', 'anthropic')).toBe('gk-2');
    expect(presentedKey({ 'x-goog-api-key': 'gk-3' }, '/v1beta/models/g:generateContent', 'gcp.gemini')).toBe('gk-3');
    expect(presentedKey({}, '/v1beta/models/g:generateContent?alt=sse&key=gk-4', 'gcp.gemini')).toBe('gk-4');
    expect(presentedKey({ 'api-key': 'gk-5' }, '/openai/deployments/d/chat/completions', 'azure.openai')).toBe('gk-5');
  });

  it('prefers the API’s own place, then falls back to any', () => {
    expect(presentedKey({ authorization: 'Bearer a', 'x-api-key': 'b' }, '/v1/messages', 'anthropic')).toBe('b');
    expect(presentedKey({ authorization: 'Bearer a' }, '/v1/messages', 'anthropic')).toBe('a');
    expect(presentedKey({ 'x-api-key': 'b' }, '/anything', undefined)).toBe('b');
  });

  it('takes only Bearer tokens from authorization', () => {
    expect(presentedKey({ authorization: 'AWS4-HMAC-SHA256 Credential=x' }, '/', 'aws.bedrock')).toBeUndefined();
    expect(presentedKey({ authorization: 'Basic dXNlcg==' }, '/', 'openai')).toBeUndefined();
    expect(presentedKey({ authorization: 'bearer   tok ' }, '/', 'openai')).toBe('tok');
    expect(presentedKey({ authorization: 'Bearer ' }, '/', 'openai')).toBeUndefined();
    expect(presentedKey({}, '/', 'openai')).toBeUndefined();
  });
});
