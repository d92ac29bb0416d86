import { describe, expect, it } from 'vitest';
import { readProviderError, renderClientError } from './error-types.js';
import { ErrorTranslator, isEncoded, JsonTranslator, MAX_ERROR_BODY_BYTES, PassThrough } from './response-translators.js';

describe('ErrorTranslator', () => {
  it('reads every provider error shape and keeps the status', () => {
    expect(readProviderError('{"error":{"message":"m1","type":"invalid_request_error"}}', {})).toEqual({ message: 'm1', type: 'invalid_request_error' });
    expect(readProviderError('{"type":"error","error":{"type":"overloaded_error","message":"m2"}}', {})).toEqual({ message: 'm2', type: 'overloaded_error' });
    expect(readProviderError('[{"error":{"code":429,"message":"m3","status":"RESOURCE_EXHAUSTED"}}]', {})).toEqual({ message: 'm3', type: 'RESOURCE_EXHAUSTED' });
    expect(readProviderError('{"Message":"m4"}', { 'x-amzn-errortype': 'AccessDeniedException:http://x' })).toEqual({ message: 'm4', type: 'AccessDeniedException' });
    expect(readProviderError('upstream connect error', {})).toEqual({ message: 'upstream connect error' });
    expect(JSON.parse(renderClientError('anthropic', 529, { message: 'busy' }).body)).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'busy' } });
  });

  it('holds at most a bounded prefix of a huge error body and writes only at the end', () => {
    const rt = new ErrorTranslator('openai', 500, {});
    expect(rt.push(Buffer.from(`{"error":{"message":"${'x'.repeat(MAX_ERROR_BODY_BYTES)}`), false).length).toBe(0);
    const out = JSON.parse(rt.push(Buffer.from('"}}'), true).toString()) as { error: { message: string; type: string } };
    expect(out.error.type).toBe('server_error');
    expect(out.error.message.length).toBeLessThanOrEqual(1000);
  });
});

describe('JsonTranslator', () => {
  it('passes a body it does not recognise unchanged, and answers invalid JSON with an error body', () => {
    const same = new JsonTranslator(() => undefined, 'openai');
    expect(same.push(Buffer.from('{"a":'), false).length).toBe(0);
    expect(same.push(Buffer.from('1}'), true).toString()).toBe('{"a":1}');
    const bad = new JsonTranslator(() => ({}), 'anthropic');
    expect(JSON.parse(bad.push(Buffer.from('{'), true).toString())).toMatchObject({ type: 'error', error: { type: 'api_error' } });
  });

  it('treats content-encoded bodies as untranslatable and passes bytes through when asked', () => {
    expect(isEncoded({ 'content-encoding': 'gzip' })).toBe(true);
    expect(isEncoded({ 'content-encoding': 'identity' })).toBe(false);
    const chunk = Buffer.from('abc');
    expect(new PassThrough().push(chunk)).toBe(chunk);
  });
});
