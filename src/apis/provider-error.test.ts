import { describe, expect, it } from 'vitest';
import { awsTypeName, errorTypeOf } from './provider-error.js';

describe('errorTypeOf', () => {
  it.each([
    [{ error: { message: 'x', type: 'invalid_request_error', code: 'model_not_found' } }, 'invalid_request_error'],
    [{ error: { message: 'x', type: null, code: 'rate_limit_exceeded' } }, 'rate_limit_exceeded'],
    [{ type: 'error', error: { type: 'overloaded_error', message: 'x' } }, 'overloaded_error'],
    [{ error: { code: 404, message: 'x', status: 'NOT_FOUND' } }, 'NOT_FOUND'],
    [{ error: { code: 500 } }, '500'],
    [[{ error: { code: 400, status: 'INVALID_ARGUMENT' } }], 'INVALID_ARGUMENT'],
    [{ error: 'quota exceeded' }, 'error'],
    [{ __type: 'com.amazon.coral.service#ThrottlingException', message: 'x' }, 'ThrottlingException'],
  ])('%j → %s', (body, type) => {
    expect(errorTypeOf(body)).toBe(type);
  });

  it.each([[{ error: null, usage: {} }], [{ message: 'ok' }], [[]], ['text'], [null], [42]])('%j is not an error', (body) => {
    expect(errorTypeOf(body)).toBeUndefined();
  });

  it('shortens AWS type names', () => {
    expect(awsTypeName('ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/')).toBe('ValidationException');
    expect(awsTypeName('aws.protocoltests#AccessDeniedException')).toBe('AccessDeniedException');
  });
});
