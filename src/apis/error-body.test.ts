import { describe, expect, it } from 'vitest';
import { UserFacingError, type UserFacingStatus } from '../errors.js';
import { renderError } from './error-body.js';

const err = (status: UserFacingStatus, code = 'x', param?: string) => new UserFacingError(status, code, `message ${status}`, param);

describe('renderError', () => {
  it('renders OpenAI errors', () => {
    const r = renderError('openai', err(400, 'missing_model', 'model'));
    expect(r.contentType).toBe('application/json');
    expect(JSON.parse(r.body)).toEqual({ error: { message: 'message 400', type: 'invalid_request_error', param: 'model', code: 'missing_model' } });
    expect(JSON.parse(renderError('openai', err(404, 'model_not_found')).body).error).toMatchObject({ type: 'invalid_request_error', param: null });
    expect(r.headers).toBeUndefined();
  });

  it.each([
    [400, 'invalid_request_error', 'invalid_request_error', 'INVALID_ARGUMENT', 'ValidationException'],
    [401, 'authentication_error', 'authentication_error', 'UNAUTHENTICATED', 'AccessDeniedException'],
    [403, 'permission_error', 'permission_error', 'PERMISSION_DENIED', 'AccessDeniedException'],
    [404, 'invalid_request_error', 'not_found_error', 'NOT_FOUND', 'ResourceNotFoundException'],
    [405, 'invalid_request_error', 'invalid_request_error', 'INVALID_ARGUMENT', 'ValidationException'],
    [413, 'invalid_request_error', 'request_too_large', 'INVALID_ARGUMENT', 'ValidationException'],
    [422, 'invalid_request_error', 'invalid_request_error', 'INVALID_ARGUMENT', 'ValidationException'],
    [429, 'rate_limit_error', 'rate_limit_error', 'RESOURCE_EXHAUSTED', 'ThrottlingException'],
    [500, 'server_error', 'api_error', 'INTERNAL', 'InternalServerException'],
    [503, 'service_unavailable_error', 'overloaded_error', 'UNAVAILABLE', 'ServiceUnavailableException'],
  ] as const)('status %i: openai %s, anthropic %s, gemini %s, bedrock %s', (status, openai, anthropic, gemini, bedrock) => {
    const e = err(status);
    expect(JSON.parse(renderError('openai', e).body).error.type).toBe(openai);
    expect(JSON.parse(renderError('anthropic', e).body)).toEqual({ type: 'error', error: { type: anthropic, message: `message ${status}` } });
    expect(JSON.parse(renderError('gemini', e).body)).toEqual({ error: { code: status, message: `message ${status}`, status: gemini } });
    const b = renderError('bedrock', e);
    expect(JSON.parse(b.body)).toEqual({ message: `message ${status}` });
    expect(b.headers).toEqual({ 'x-amzn-errortype': bedrock });
  });

  it('escapes messages safely', () => {
    const e = new UserFacingError(400, 'c', 'bad "model" \n </script>');
    for (const shape of ['openai', 'anthropic', 'gemini', 'bedrock'] as const) {
      expect(renderError(shape, e).body).toContain('bad \\"model\\" \\n </script>');
    }
  });
});
